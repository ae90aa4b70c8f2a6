import type { Schema } from './modelCapabilities';

// A JSON value against a DTDL schema: the primitive schemas as IoT Plug and Play carries them in
// JSON, and Enum, Object, Map and Array.
// https://github.com/Azure/opendigitaltwins-dtdl/blob/master/DTDL/v3/DTDL.v3.md#schema
// https://learn.microsoft.com/azure/iot/concepts-convention#sample-multiple-components-writable-property

type Json = Readonly<Record<string, unknown>>;

const isoDate = /^\d{4}-\d{2}-\d{2}$/;
const isoTime = /^\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})?$/;
const isoDuration =
  /^-?P(?!$)(?:\d+(?:\.\d+)?Y)?(?:\d+(?:\.\d+)?M)?(?:\d+(?:\.\d+)?W)?(?:\d+(?:\.\d+)?D)?(?:T(?=\d)(?:\d+(?:\.\d+)?H)?(?:\d+(?:\.\d+)?M)?(?:\d+(?:\.\d+)?S)?)?$/;
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const integerRanges: Readonly<Record<string, readonly [number, number]>> = {
  byte: [-128, 127],
  short: [-32_768, 32_767],
  integer: [-2_147_483_648, 2_147_483_647],
  long: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  unsignedByte: [0, 255],
  unsignedShort: [0, 65_535],
  unsignedInteger: [0, 4_294_967_295],
  unsignedLong: [0, Number.MAX_SAFE_INTEGER],
};

/** Why `value` does not fit the primitive, or undefined when it does (or the name is not one). */
function primitiveProblem(name: string, value: unknown): string | undefined {
  const range = integerRanges[name];
  if (range)
    return Number.isInteger(value) && (value as number) >= range[0] && (value as number) <= range[1]
      ? undefined
      : `must be an ${name} (a whole number from ${range[0]} to ${range[1]})`;
  const text = typeof value === 'string' ? value : undefined;
  switch (name) {
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'must be true or false';
    case 'double':
    case 'float':
    case 'decimal':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : 'must be a number';
    case 'string':
      return text !== undefined ? undefined : 'must be a string';
    case 'date':
      return text && isoDate.test(text) ? undefined : 'must be a date (YYYY-MM-DD)';
    case 'dateTime':
      return text && !Number.isNaN(Date.parse(text)) && text.includes('T')
        ? undefined
        : 'must be a date and time (ISO 8601)';
    case 'time':
      return text && isoTime.test(text) ? undefined : 'must be a time (hh:mm:ss)';
    case 'duration':
      return text && isoDuration.test(text) ? undefined : 'must be an ISO 8601 duration (PT5M)';
    case 'uuid':
      return text && uuid.test(text) ? undefined : 'must be a UUID';
    case 'bytes':
      return text !== undefined && /^[A-Za-z0-9+/]*={0,2}$/.test(text)
        ? undefined
        : 'must be base64 text';
    default:
      return undefined;
  }
}

/**
 * The problems of `value` against `schema`, each naming its path; none when it fits. `schemas`
 * resolves a schema named by DTMI. DTDL has no required fields, so an Object's fields may be left
 * out, and `null` (a desired patch's delete) fits any field.
 */
export function schemaProblems(
  schema: Schema,
  value: unknown,
  path: string,
  schemas: ReadonlyMap<string, Json>,
): string[] {
  if (typeof schema === 'string') {
    const declared = schemas.get(schema);
    if (declared) return schemaProblems(declared, value, path, schemas);
    const problem = primitiveProblem(schema, value);
    return problem ? [`${path} ${problem}`] : [];
  }
  const types = [schema['@type']].flat().map(String);
  if (types.includes('Enum')) {
    const allowed = (schema.enumValues as Json[] | undefined)?.map((item) => item.enumValue) ?? [];
    return allowed.includes(value as never)
      ? []
      : [`${path} must be one of ${allowed.map((item) => JSON.stringify(item)).join(', ')}`];
  }
  if (types.includes('Array')) {
    if (!Array.isArray(value)) return [`${path} must be an array`];
    return value.flatMap((item, index) =>
      schemaProblems(schema.elementSchema as Schema, item, `${path}[${index}]`, schemas),
    );
  }
  const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
  if (types.includes('Map')) {
    if (!isObject) return [`${path} must be an object (a map)`];
    const mapValue = schema.mapValue as Json;
    return Object.entries(value as Json).flatMap(([key, item]) =>
      item === null
        ? []
        : schemaProblems(mapValue.schema as Schema, item, `${path}.${key}`, schemas),
    );
  }
  if (types.includes('Object')) {
    if (!isObject) return [`${path} must be an object`];
    const fields = new Map(
      ((schema.fields as Json[] | undefined) ?? []).map((field) => [String(field.name), field]),
    );
    return Object.entries(value as Json).flatMap(([key, item]) => {
      const field = fields.get(key);
      if (!field)
        return [`${path}.${key} is not a field (the fields are ${[...fields.keys()].join(', ')})`];
      return item === null
        ? []
        : schemaProblems(field.schema as Schema, item, `${path}.${key}`, schemas);
    });
  }
  return [];
}
