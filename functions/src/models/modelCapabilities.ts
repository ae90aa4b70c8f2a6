// What a device model declares, read from a stored DTDL v2 or v3 interface that the parser has
// already accepted: its properties and commands with their schemas, its telemetry with units,
// its components, and what it inherits through `extends`.
// https://github.com/Azure/opendigitaltwins-dtdl/blob/master/DTDL/v3/DTDL.v3.md

type Json = Readonly<Record<string, unknown>>;

/** A schema as DTDL writes it: a primitive's name, a DTMI of a schema in `schemas`, or inline. */
export type Schema = string | Json;

export interface PropertyDeclaration {
  readonly name: string;
  readonly schema: Schema;
  readonly writable: boolean;
  readonly unit?: string;
  readonly displayName?: string;
}

export interface CommandDeclaration {
  readonly name: string;
  readonly request?: { readonly name: string; readonly schema: Schema };
  readonly response?: { readonly name: string; readonly schema: Schema };
  readonly displayName?: string;
}

export interface TelemetryDeclaration {
  readonly name: string;
  readonly schema: Schema;
  readonly unit?: string;
  readonly displayName?: string;
}

export interface Capabilities {
  readonly dtmi: string;
  readonly properties: ReadonlyMap<string, PropertyDeclaration>;
  readonly commands: ReadonlyMap<string, CommandDeclaration>;
  readonly telemetry: ReadonlyMap<string, TelemetryDeclaration>;
  readonly components: ReadonlyMap<string, Capabilities>;
  /** Schemas declared by id in this interface and those it extends, for schema references. */
  readonly schemas: ReadonlyMap<string, Json>;
}

/** Reads a stored model by DTMI; undefined when it is not stored. */
export type ModelLookup = (dtmi: string) => Promise<Json | undefined>;

const typesOf = (item: Json): string[] => {
  const type = item['@type'];
  return Array.isArray(type) ? type.map(String) : [String(type)];
};
const asArray = (value: unknown): unknown[] =>
  Array.isArray(value) ? value : value === undefined ? [] : [value];
const displayName = (value: unknown): string | undefined =>
  typeof value === 'string'
    ? value
    : value && typeof value === 'object'
      ? String(Object.values(value)[0] ?? '')
      : undefined;

/**
 * The capabilities of `model`, with the interfaces it extends or uses as components looked up by
 * DTMI (or given inline). An interface that cannot be found contributes nothing.
 */
export async function capabilitiesOf(
  model: Json,
  lookup: ModelLookup,
  seen: ReadonlySet<string> = new Set(),
): Promise<Capabilities> {
  const dtmi = String(model['@id'] ?? '');
  const properties = new Map<string, PropertyDeclaration>();
  const commands = new Map<string, CommandDeclaration>();
  const telemetry = new Map<string, TelemetryDeclaration>();
  const components = new Map<string, Capabilities>();
  const schemas = new Map<string, Json>();
  const inner = new Set([...seen, dtmi]);
  const resolve = async (reference: unknown): Promise<Capabilities | undefined> => {
    if (typeof reference === 'string') {
      if (inner.has(reference)) return undefined;
      const found = await lookup(reference);
      return found ? capabilitiesOf(found, lookup, inner) : undefined;
    }
    return reference && typeof reference === 'object'
      ? capabilitiesOf(reference as Json, lookup, inner)
      : undefined;
  };
  for (const parent of asArray(model.extends)) {
    const inherited = await resolve(parent);
    if (!inherited) continue;
    for (const [name, item] of inherited.properties) properties.set(name, item);
    for (const [name, item] of inherited.commands) commands.set(name, item);
    for (const [name, item] of inherited.telemetry) telemetry.set(name, item);
    for (const [name, item] of inherited.components) components.set(name, item);
    for (const [id, item] of inherited.schemas) schemas.set(id, item);
  }
  for (const schema of asArray(model.schemas))
    if (schema && typeof schema === 'object' && typeof (schema as Json)['@id'] === 'string')
      schemas.set(String((schema as Json)['@id']), schema as Json);
  for (const entry of asArray(model.contents)) {
    if (!entry || typeof entry !== 'object') continue;
    const item = entry as Json;
    const name = String(item.name ?? '');
    const types = typesOf(item);
    const described = {
      ...(typeof item.unit === 'string' ? { unit: item.unit } : {}),
      ...(displayName(item.displayName) ? { displayName: displayName(item.displayName) } : {}),
    };
    if (types.includes('Property'))
      properties.set(name, {
        name,
        schema: item.schema as Schema,
        writable: item.writable === true,
        ...described,
      });
    else if (types.includes('Command')) {
      const payload = (value: unknown) => {
        const part = value as Json | undefined;
        return part && { name: String(part.name), schema: part.schema as Schema };
      };
      const request = payload(item.request);
      const response = payload(item.response);
      commands.set(name, {
        name,
        ...(request ? { request } : {}),
        ...(response ? { response } : {}),
        ...(described.displayName ? { displayName: described.displayName } : {}),
      });
    } else if (types.includes('Telemetry'))
      telemetry.set(name, { name, schema: item.schema as Schema, ...described });
    else if (types.includes('Component')) {
      const component = await resolve(item.schema);
      if (component) components.set(name, component);
    }
  }
  return { dtmi, properties, commands, telemetry, components, schemas };
}
