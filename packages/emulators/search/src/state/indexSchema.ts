export interface FieldDefinition {
  readonly name: string;
  readonly type: string;
  readonly key?: boolean;
  readonly searchable?: boolean;
  readonly filterable?: boolean;
  readonly sortable?: boolean;
  readonly facetable?: boolean;
  readonly retrievable?: boolean;
  readonly analyzer?: string | null;
}

export interface IndexDefinition {
  readonly name: string;
  readonly fields: readonly FieldDefinition[];
  readonly suggesters?: readonly { name: string; searchMode?: string; sourceFields: string[] }[];
  readonly [other: string]: unknown;
}

/** A request the service refuses (400), with what was wrong; `code` as the service names it. */
export class SearchRequestError extends Error {
  constructor(
    message: string,
    readonly status = 400,
    readonly code = 'InvalidRequestParameter',
  ) {
    super(message);
  }
}

const supportedTypes = new Set([
  'Edm.String',
  'Edm.Int32',
  'Edm.Int64',
  'Edm.Double',
  'Edm.Boolean',
  'Edm.DateTimeOffset',
  'Collection(Edm.String)',
  'Collection(Edm.Int32)',
]);

/** Checks an index definition as the service would, naming each problem. */
export function checkIndexDefinition(definition: IndexDefinition): string[] {
  const problems: string[] = [];
  if (!/^[a-z0-9][a-z0-9-]{0,127}$/.test(definition.name ?? ''))
    problems.push('the index name must be lower-case letters, digits and dashes');
  const fields = Array.isArray(definition.fields) ? definition.fields : [];
  const keys = fields.filter((f) => f.key);
  if (keys.length !== 1 || keys[0]?.type !== 'Edm.String')
    problems.push('the index must have exactly one key field, of type Edm.String');
  for (const field of fields) {
    if (!supportedTypes.has(field.type))
      problems.push(`field '${field.name}': type ${field.type} is not supported by this stand-in`);
    if (field.searchable && !field.type.endsWith('Edm.String)') && field.type !== 'Edm.String')
      problems.push(`field '${field.name}': only string fields can be searchable`);
    if (field.analyzer && !['standard.lucene', 'standard'].includes(field.analyzer))
      problems.push(
        `field '${field.name}': analyzer ${field.analyzer} is not supported by this stand-in (standard.lucene is)`,
      );
    if (field.type.startsWith('Collection(') && field.sortable)
      problems.push(`field '${field.name}': collections cannot be sortable`);
  }
  for (const suggester of definition.suggesters ?? [])
    for (const source of suggester.sourceFields ?? [])
      if (!fields.some((f) => f.name === source && f.searchable))
        problems.push(
          `suggester '${suggester.name}': source field '${source}' must be a searchable field`,
        );
  return problems;
}

/** The document as a search hit returns it: retrievable fields, narrowed to `$select`. */
export function selectFields(
  definition: IndexDefinition,
  document: Record<string, unknown>,
  select?: readonly string[],
): Record<string, unknown> {
  const names = select && select.length > 0 && select[0] !== '*' ? select : undefined;
  const out: Record<string, unknown> = {};
  for (const field of definition.fields) {
    if (field.retrievable === false) continue;
    if (names && !names.includes(field.name)) continue;
    out[field.name] = document[field.name] ?? null;
  }
  return out;
}
