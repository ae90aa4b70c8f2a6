/** Parses `--name value` and `--flag` arguments against a spec, naming any problem and its fix. */
export function parseArgs<T extends Record<string, 'number' | 'string' | 'boolean'>>(
  argv: readonly string[],
  spec: T,
  usage: string,
): { [K in keyof T]?: T[K] extends 'number' ? number : T[K] extends 'string' ? string : boolean } {
  const result: Record<string, number | string | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const name = arg.replace(/^--/, '');
    const kind = spec[name];
    if (!arg.startsWith('--') || kind === undefined) fail(`unknown argument "${arg}"`, usage);
    if (kind === 'boolean') {
      result[name] = true;
      continue;
    }
    const value = argv[++i];
    if (value === undefined || value.startsWith('--')) fail(`--${name} needs a value`, usage);
    if (kind === 'number') {
      const number = Number(value);
      if (!Number.isFinite(number) || number < 0)
        fail(`--${name} must be a non-negative number, got "${value}"`, usage);
      result[name] = number;
    } else result[name] = value as string;
  }
  return result as never;
}

function fail(problem: string, usage: string): never {
  console.error(`${problem}\nusage: ${usage}`);
  process.exit(2);
}
