import { parseArgs } from 'node:util';

export type OptionKind = 'number' | 'string' | 'strings' | 'boolean';

export type OptionValues<T extends Record<string, OptionKind>> = {
  [K in keyof T]?: T[K] extends 'number'
    ? number
    : T[K] extends 'string'
      ? string
      : T[K] extends 'strings'
        ? string[]
        : boolean;
};

/**
 * Reads `--name value` and `--flag` options against a spec with node:util's `parseArgs`; numbers
 * must be non-negative, `strings` may repeat and take comma-separated lists. Returns the problem,
 * with the usage line, rather than exiting: only entry points decide how a program ends.
 */
export function readOptions<T extends Record<string, OptionKind>>(
  argv: readonly string[],
  spec: T,
  usage: string,
): { readonly values: OptionValues<T> } | { readonly problem: string } {
  const problem = (text: string) => ({ problem: `${text}\nusage: ${usage}` });
  let parsed: Record<string, string | boolean | (string | boolean)[] | undefined>;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: Object.fromEntries(
        Object.entries(spec).map(([name, kind]) => [
          name,
          kind === 'boolean'
            ? { type: 'boolean' as const }
            : { type: 'string' as const, multiple: kind === 'strings' },
        ]),
      ),
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    return problem(parseProblem(error as Error & { code?: string }, argv));
  }
  const values: Record<string, unknown> = {};
  for (const [name, kind] of Object.entries(spec)) {
    const value = parsed[name];
    if (value === undefined) continue;
    if (kind === 'number') {
      const number = Number(value);
      if (
        typeof value !== 'string' ||
        value.trim() === '' ||
        !Number.isFinite(number) ||
        number < 0
      )
        return problem(`--${name} must be a non-negative number, got "${String(value)}"`);
      values[name] = number;
    } else if (kind === 'strings') {
      values[name] = (value as string[]).flatMap((list) => list.split(',')).filter(Boolean);
    } else values[name] = value;
  }
  return { values: values as OptionValues<T> };
}

/** node:util's message, in the words the usage line uses. */
function parseProblem(error: Error & { code?: string }, argv: readonly string[]): string {
  const option = /'(-[^']*)'/.exec(error.message)?.[1];
  if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option)
    return `unknown argument "${option.split(/[ =]/)[0]}"`;
  if (error.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option)
    return `${option.split(/[ =<]/)[0]?.trim()} needs a value`;
  if (error.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL')
    return `unknown argument "${argv.find((arg) => !arg.startsWith('-')) ?? ''}"`;
  return error.message;
}
