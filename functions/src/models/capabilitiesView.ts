import type { Capabilities, Schema } from './modelCapabilities';

/**
 * What a model declares, as the dashboard builds its views from it: each telemetry, property and
 * command, a component's with its component named (and its commands as `component*command`, as
 * IoT Plug and Play addresses them), every schema a model declares by id written out in place.
 */
export interface ModelCapabilitiesView {
  readonly telemetry: readonly {
    readonly name: string;
    readonly component?: string;
    readonly schema: Schema;
    readonly unit?: string;
    readonly displayName?: string;
  }[];
  readonly properties: readonly {
    readonly name: string;
    readonly component?: string;
    readonly schema: Schema;
    readonly writable: boolean;
    readonly unit?: string;
    readonly displayName?: string;
  }[];
  readonly commands: readonly {
    readonly name: string;
    readonly component?: string;
    readonly displayName?: string;
    readonly request?: { readonly name: string; readonly schema: Schema };
    readonly response?: { readonly name: string; readonly schema: Schema };
  }[];
}

export function capabilitiesView(model: Capabilities): ModelCapabilitiesView {
  const parts: [string | undefined, Capabilities][] = [
    [undefined, model],
    ...[...model.components].map(([name, inner]): [string, Capabilities] => [name, inner]),
  ];
  const inline = (owner: Capabilities) => (schema: Schema) =>
    typeof schema === 'string' ? (owner.schemas.get(schema) ?? schema) : schema;
  const named = (component: string | undefined) => (component ? { component } : {});
  return {
    telemetry: parts.flatMap(([component, owner]) =>
      [...owner.telemetry.values()].map((item) => ({
        ...item,
        ...named(component),
        schema: inline(owner)(item.schema),
      })),
    ),
    properties: parts.flatMap(([component, owner]) =>
      [...owner.properties.values()].map((item) => ({
        ...item,
        ...named(component),
        schema: inline(owner)(item.schema),
      })),
    ),
    commands: parts.flatMap(([component, owner]) =>
      [...owner.commands.values()].map((item) => ({
        ...item,
        name: component ? `${component}*${item.name}` : item.name,
        ...named(component),
        ...(item.request
          ? { request: { ...item.request, schema: inline(owner)(item.request.schema) } }
          : {}),
        ...(item.response
          ? { response: { ...item.response, schema: inline(owner)(item.response.schema) } }
          : {}),
      })),
    ),
  };
}
