import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface FunctionKeys {
  /** Authorizes every function and the admin API. */
  readonly masterKey: string;
  /** Authorizes `authLevel: 'function'` endpoints. */
  readonly functionKeys: Readonly<Record<string, string>>;
}

const newKey = () => randomBytes(32).toString('base64url');

/** Reads the local keys file, creating it with fresh keys the first time, like the host's key store. */
export async function loadOrCreateKeys(file: string): Promise<FunctionKeys> {
  try {
    const keys = JSON.parse(await readFile(file, 'utf8')) as Partial<FunctionKeys>;
    if (
      typeof keys.masterKey === 'string' &&
      keys.functionKeys &&
      typeof keys.functionKeys === 'object'
    ) {
      return keys as FunctionKeys;
    }
  } catch {
    // Missing or unreadable: make new keys below.
  }
  const keys: FunctionKeys = { masterKey: newKey(), functionKeys: { default: newKey() } };
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
  return keys;
}

export function generateKeys(): FunctionKeys {
  return { masterKey: newKey(), functionKeys: { default: newKey() } };
}

/** Whether a request's `x-functions-key` header or `code` query passes an auth level. */
export function isAuthorized(
  authLevel: 'anonymous' | 'function' | 'admin',
  presented: string | undefined,
  keys: FunctionKeys,
): boolean {
  if (authLevel === 'anonymous') return true;
  if (!presented) return false;
  if (presented === keys.masterKey) return true;
  return authLevel === 'function' && Object.values(keys.functionKeys).includes(presented);
}
