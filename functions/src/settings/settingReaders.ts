import { settingNames } from './settingNames';

// The small readers every setting goes through: each reports its problem by name.

/** What app settings are: names to values, any of which may be missing. */
export type Env = Readonly<Record<string, string | undefined>>;

export function isIssuerUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return (
    url.protocol === 'https:' ||
    (url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname))
  );
}

export function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

export function readInteger(
  env: Env,
  name: string,
  rule: { min: number; max: number; fallback: number },
  problems: string[],
): number {
  const raw = nonEmpty(env[name]);
  if (raw === undefined) return rule.fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < rule.min || value > rule.max) {
    problems.push(`${name} must be a whole number from ${rule.min} to ${rule.max}; got "${raw}".`);
    return rule.fallback;
  }
  return value;
}

export function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

/** MONGODB_URI, shared by the features that use MongoDB (encounters, rooms, the catalog). */
export function readMongodbUri(env: Env, problems: string[]): string | undefined {
  const mongodbUri = nonEmpty(env[settingNames.mongodbUri]);
  if (mongodbUri && !/^mongodb(\+srv)?:\/\//.test(mongodbUri))
    problems.push(
      `${settingNames.mongodbUri} must be a mongodb:// or mongodb+srv:// connection string`,
    );
  return mongodbUri;
}
