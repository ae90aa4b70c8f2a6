import { AppError } from '../host/appError';
import type { HttpFunctionDefinition } from '../host/functionDefinition';
import { readJsonBody } from '../host/http';
import { capabilitiesView } from './capabilitiesView';
import { capabilitiesOf } from './modelCapabilities';
import type { ModelStore } from './modelStore';
import { checkModel, dtmiPattern, maxModelChars } from './modelValidation';

function routeDtmi(dtmi: string | undefined): string {
  const value = dtmi ?? '';
  if (!dtmiPattern.test(value))
    throw new AppError(
      'validation_failed',
      `"${value}" is not a valid DTMI (dtmi:<path>;<version>)`,
    );
  return value;
}

/**
 * Device models (DTDL v2 and v3 interfaces): `PUT /api/models/{dtmi}` and `DELETE` (Fleet.Admin),
 * `GET /api/models/{dtmi}` and `GET /api/models` (Fleet.Read). A model is checked by Microsoft's
 * DTDL parser, with the stored models it may extend or use as components. A read of one model
 * also answers what it declares (`capabilities`), components and extended interfaces included.
 */
export function createModelsFunctions(deps: {
  readonly models: ModelStore;
}): HttpFunctionDefinition[] {
  return [
    {
      kind: 'http',
      name: 'putModel',
      route: 'models/{dtmi}',
      methods: ['PUT'],
      access: { kind: 'roles', anyOf: ['Fleet.Admin'] },
      // One table property holds the model: a body over this is a 413 before it is read.
      maxBodyBytes: maxModelChars,
      handler: async (request) => {
        const dtmi = routeDtmi(request.params.dtmi);
        const model = await readJsonBody(request);
        const others = (await deps.models.list()).filter((stored) => stored.dtmi !== dtmi);
        await checkModel(
          dtmi,
          model,
          others.map((stored) => stored.model),
        );
        const stored = await deps.models.put(dtmi, model as Record<string, unknown>);
        return { status: 200, jsonBody: stored };
      },
    },
    {
      kind: 'http',
      name: 'getModel',
      route: 'models/{dtmi}',
      methods: ['GET'],
      access: { kind: 'roles', anyOf: ['Fleet.Read'] },
      handler: async (request) => {
        const dtmi = routeDtmi(request.params.dtmi);
        const stored = await deps.models.get(dtmi);
        if (!stored) throw new AppError('not_found', `no model ${dtmi}`);
        const lookup = async (id: string) => (await deps.models.get(id))?.model;
        const capabilities = capabilitiesView(await capabilitiesOf(stored.model, lookup));
        return { jsonBody: { ...stored, capabilities } };
      },
    },
    {
      kind: 'http',
      name: 'listModels',
      route: 'models',
      methods: ['GET'],
      access: { kind: 'roles', anyOf: ['Fleet.Read'] },
      handler: async () => ({ jsonBody: await deps.models.list() }),
    },
    {
      kind: 'http',
      name: 'deleteModel',
      route: 'models/{dtmi}',
      methods: ['DELETE'],
      access: { kind: 'roles', anyOf: ['Fleet.Admin'] },
      handler: async (request) => {
        const dtmi = routeDtmi(request.params.dtmi);
        if (!(await deps.models.delete(dtmi))) throw new AppError('not_found', `no model ${dtmi}`);
        return { status: 204 };
      },
    },
  ];
}
