import { AppError } from '../host/appError';
import type { HttpFunctionDefinition } from '../host/functionDefinition';
import { readJsonBody, routeDeviceId } from '../host/http';
import { parseTags } from './alarmRule';
import type { FleetDeps } from './fleetDeps';

/**
 * Device tags, which alarm rules, groups and jobs select devices by. They are mirrored into the
 * device's twin first (so a job's condition sees them), then kept; a failed mirror changes nothing.
 */
export function createDeviceTagsFunctions(
  deps: Pick<FleetDeps, 'tags' | 'mirrorTags'>,
): HttpFunctionDefinition[] {
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
        await deps.mirrorTags?.(deviceId, parsed.value);
        await deps.tags.put(deviceId, parsed.value);
        return { jsonBody: { deviceId, tags: parsed.value } };
      },
    },
  ];
}
