import { AppError } from '../host/appError';
import type { HttpFunctionDefinition } from '../host/functionDefinition';
import { readJsonBody, routeDeviceId } from '../host/http';
import { parseTags } from './alarmRule';
import type { FleetDeps } from './fleetDeps';

/** Device tags, which alarm rules and groups select devices by. */
export function createDeviceTagsFunctions(deps: Pick<FleetDeps, 'tags'>): HttpFunctionDefinition[] {
  return [
    {
      kind: 'http',
      name: 'putDeviceTags',
      route: 'devices/{id}/tags',
      methods: ['PUT'],
      access: { kind: 'roles', anyOf: ['Fleet.Operate'] },
      maxBodyBytes: 4096,
      handler: async (request) => {
        const deviceId = routeDeviceId(request);
        const parsed = parseTags(await readJsonBody(request));
        if (!parsed.ok) throw new AppError('validation_failed', parsed.problems.join('; '));
        await deps.tags.put(deviceId, parsed.value);
        return { jsonBody: { deviceId, tags: parsed.value } };
      },
    },
  ];
}
