import { AppError } from '../host/appError';
import { type Capabilities, capabilitiesOf } from './modelCapabilities';
import type { ModelStore } from './modelStore';
import { schemaProblems } from './schemaCheck';

// Commands and desired values checked against the model a device announced, as IoT Plug and Play
// addresses them: a component's command as `component*command`, a component's properties under
// its name with the `"__t": "c"` marker.
// https://learn.microsoft.com/azure/iot/concepts-convention

const componentMarker = '__t';

const refused = (problems: readonly string[]) =>
  new AppError('validation_failed', problems.join('; '));

/** The problems of a command against the model; none when the model declares it and its payload fits. */
export function commandProblems(model: Capabilities, name: string, payload: unknown): string[] {
  const star = name.indexOf('*');
  const component = star < 0 ? model : model.components.get(name.slice(0, star));
  const command = name.slice(star + 1);
  const declared = component?.commands.get(command);
  if (!component || !declared)
    return [
      `the model ${model.dtmi} declares no command "${name}"${listed(commandNames(model), 'it declares')}`,
    ];
  if (payload === undefined || payload === null || !declared.request) return [];
  return schemaProblems(
    declared.request.schema,
    payload,
    `payload (${declared.request.name})`,
    component.schemas,
  );
}

/** The problems of a desired patch against the model: unknown or read-only properties, wrong types. */
export function desiredProblems(model: Capabilities, patch: Record<string, unknown>): string[] {
  return Object.entries(patch).flatMap(([key, value]) => {
    const component = model.components.get(key);
    if (component) {
      if (value === null) return [];
      if (typeof value !== 'object' || Array.isArray(value))
        return [`${key} is a component: send its properties as an object with "__t": "c"`];
      return Object.entries(value as Record<string, unknown>)
        .filter(([inner]) => inner !== componentMarker)
        .flatMap(([inner, innerValue]) =>
          propertyProblems(component, `${key}.${inner}`, inner, innerValue),
        );
    }
    return propertyProblems(model, key, key, value);
  });
}

function propertyProblems(model: Capabilities, path: string, name: string, value: unknown) {
  const property = model.properties.get(name);
  if (!property)
    return [
      `${path} is not a property of ${model.dtmi}${listed(writableNames(model), 'its writable properties are')}`,
    ];
  if (!property.writable) return [`${path} is read-only in ${model.dtmi}: the device reports it`];
  return value === null ? [] : schemaProblems(property.schema, value, path, model.schemas);
}

const commandNames = (model: Capabilities) => [
  ...model.commands.keys(),
  ...[...model.components].flatMap(([component, inner]) =>
    [...inner.commands.keys()].map((name) => `${component}*${name}`),
  ),
];
const writableNames = (model: Capabilities) =>
  [...model.properties.values()].filter((p) => p.writable).map((p) => p.name);
const listed = (names: readonly string[], lead: string) =>
  names.length === 0 ? '' : ` (${lead} ${names.join(', ')})`;

/**
 * The capabilities of each model a device names, read from the model store. A device that names no
 * model, or one that is not stored, has none, and keeps fieldline's behaviour without a model.
 */
export function createModelChecks(models: Pick<ModelStore, 'get'>) {
  const lookup = async (dtmi: string) => (await models.get(dtmi))?.model;
  const capabilities = async (modelId: string): Promise<Capabilities | undefined> => {
    if (!modelId) return undefined;
    const model = await lookup(modelId);
    return model ? capabilitiesOf(model, lookup) : undefined;
  };
  return {
    capabilities,
    /** Throws a 400 naming each problem of the command against the device's model. */
    async command(modelId: string, name: string, payload: unknown): Promise<void> {
      const model = await capabilities(modelId);
      const problems = model ? commandProblems(model, name, payload) : [];
      if (problems.length > 0) throw refused(problems);
    },
    /** Throws a 400 naming each property of the patch the device's model refuses. */
    async desired(modelId: string, patch: Record<string, unknown>): Promise<void> {
      const model = await capabilities(modelId);
      const problems = model ? desiredProblems(model, patch) : [];
      if (problems.length > 0) throw refused(problems);
    },
  };
}

export type ModelChecks = ReturnType<typeof createModelChecks>;
