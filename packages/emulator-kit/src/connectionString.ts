/**
 * The `Key=value;Key=value` pairs of an Azure connection string, keys lower-cased. Throws a message
 * showing the expected form when a required key is missing.
 */
export function parseConnectionString(
  connectionString: string,
  expected: {
    readonly kind: string;
    readonly required: readonly string[];
    readonly example: string;
  },
): Map<string, string> {
  const fields = new Map<string, string>();
  for (const part of connectionString.split(';')) {
    const at = part.indexOf('=');
    if (at > 0) fields.set(part.slice(0, at).trim().toLowerCase(), part.slice(at + 1).trim());
  }
  const missing = expected.required.filter((key) => !fields.get(key.toLowerCase()));
  if (missing.length > 0) {
    throw new Error(
      `not ${expected.kind} connection string (no ${missing.join(', ')}): expected ${expected.example}`,
    );
  }
  return fields;
}
