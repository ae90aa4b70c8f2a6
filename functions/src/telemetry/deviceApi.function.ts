import { tagPattern } from '../fleet/alarmRule';
import type { DeviceTagStore } from '../fleet/deviceTagStore';
import { AppError } from '../host/appError';
import { deviceIdRule, isValidDeviceId } from '../host/deviceId';
import type { HttpFunctionDefinition } from '../host/functionDefinition';
import { queryInteger, readJsonBody, routeDeviceId } from '../host/http';
import { parseCalibration } from './calibration';
import type { CalibrationStore } from './calibrationStore';
import { maxHistoryLength, publicDeviceState } from './deviceState';
import type { DeviceStateStore } from './deviceStateStore';
import type { RejectionStore } from './rejectionStore';

export interface DeviceApiDeps {
  readonly deviceStates: DeviceStateStore;
  readonly calibrations: CalibrationStore;
  readonly rejections: RejectionStore;
  readonly tags: Pick<DeviceTagStore, 'all'>;
}

/** The device-state read API, calibration updates and the rejected-readings list. */
export function createDeviceApiFunctions(deps: DeviceApiDeps): HttpFunctionDefinition[] {
  return [
    {
      kind: 'http',
      name: 'listDevices',
      route: 'devices',
      methods: ['GET'],
      access: { kind: 'roles', anyOf: ['Fleet.Read'] },
      // `?history=N` bounds each device's history (default 30) so a large fleet stays one small
      // response; `?tag=` keeps the devices with that tag.
      handler: async (request) => {
        const historyLength = queryInteger(request, 'history', {
          min: 0,
          max: maxHistoryLength,
          fallback: 30,
        });
        const tag = request.query.get('tag');
        if (tag !== null && !tagPattern.test(tag))
          throw new AppError(
            'validation_failed',
            'tag must be 1-64 letters, digits, "_", ".", ":" or "-"',
          );
        const [states, tags] = await Promise.all([deps.deviceStates.list(), deps.tags.all()]);
        return {
          jsonBody: states
            .filter((state) => tag === null || (tags.get(state.deviceId) ?? []).includes(tag))
            .map((state) => ({
              ...publicDeviceState(state),
              tags: tags.get(state.deviceId) ?? [],
              history: historyLength === 0 ? [] : state.history.slice(-historyLength),
            })),
        };
      },
    },
    {
      kind: 'http',
      name: 'getDevice',
      route: 'devices/{id}',
      methods: ['GET'],
      access: { kind: 'roles', anyOf: ['Fleet.Read'] },
      handler: async (request) => {
        const deviceId = routeDeviceId(request);
        const [state, tags] = await Promise.all([deps.deviceStates.get(deviceId), deps.tags.all()]);
        if (!state)
          throw new AppError(
            'not_found',
            `no device "${deviceId}" has sent telemetry or connected`,
          );
        return { jsonBody: { ...publicDeviceState(state), tags: tags.get(deviceId) ?? [] } };
      },
    },
    {
      kind: 'http',
      name: 'putCalibration',
      route: 'devices/{id}/calibration',
      methods: ['PUT'],
      access: { kind: 'roles', anyOf: ['Fleet.Operate'] },
      maxBodyBytes: 4096,
      handler: async (request) => {
        const deviceId = routeDeviceId(request);
        const calibration = parseCalibration(await readJsonBody(request));
        await deps.calibrations.put(deviceId, calibration);
        return { status: 200, jsonBody: { deviceId, calibration } };
      },
    },
    {
      kind: 'http',
      name: 'listRejections',
      route: 'rejections',
      methods: ['GET'],
      access: { kind: 'roles', anyOf: ['Fleet.Read'] },
      handler: async (request) => {
        const deviceId = request.query.get('deviceId') ?? undefined;
        if (deviceId !== undefined && !isValidDeviceId(deviceId)) {
          throw new AppError('validation_failed', deviceIdRule);
        }
        const limit = queryInteger(request, 'limit', { min: 1, max: 1000, fallback: 100 });
        return {
          jsonBody: await deps.rejections.list({ ...(deviceId ? { deviceId } : {}), limit }),
        };
      },
    },
  ];
}
