import { AppError } from '../host/appError';
import type { HttpFunctionDefinition } from '../host/functionDefinition';
import { queryInteger, readJsonBody, routeDeviceId } from '../host/http';
import type { ModelChecks } from '../models/modelChecks';
import type { DeviceActivityStore } from './deviceActivityStore';
import type { DeviceTwins } from './deviceTwins';

/**
 * Method names as the device SDKs accept them: letters, digits, `_ - .`, up to 128; a component's
 * command is `component*command`, as IoT Plug and Play names it.
 */
export const commandNamePattern = /^(?=.{1,128}$)[A-Za-z0-9_.-]+(?:\*[A-Za-z0-9_.-]+)?$/;
export const commandNameRule =
  'a command name is 1 to 128 letters, digits, "_", "-" or ".", or component*command';

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new AppError('invalid_json', 'body is not valid JSON');
  }
}

/** A whole-second setting of a command within its documented range, or its default. */
export function seconds(
  value: unknown,
  name: string,
  range: { min: number; max: number; fallback: number },
) {
  if (value === undefined) return range.fallback;
  if (!Number.isInteger(value) || (value as number) < range.min || (value as number) > range.max)
    throw new AppError(
      'validation_failed',
      `${name} must be a whole number from ${range.min} to ${range.max}`,
    );
  return value as number;
}

/**
 * A device's twin and its commands, through IoT Hub: `GET /api/devices/{id}/twin` (Fleet.Read),
 * `PATCH /api/devices/{id}/twin/desired` and `POST /api/devices/{id}/commands/{name}`
 * (Fleet.Operate), each change and command recorded with who made it, and that record as
 * `GET /api/devices/{id}/activity` (Fleet.Read).
 */
export function createDeviceTwinFunctions(deps: {
  readonly twins?: DeviceTwins;
  readonly activity: Pick<DeviceActivityStore, 'record' | 'list'>;
  /** Commands and desired values are checked against the model the device announced. */
  readonly checks: Pick<ModelChecks, 'command' | 'desired'>;
  readonly notConfigured: () => AppError;
}): HttpFunctionDefinition[] {
  const twins = () => {
    if (!deps.twins) throw deps.notConfigured();
    return deps.twins;
  };
  return [
    {
      kind: 'http',
      name: 'getDeviceTwin',
      route: 'devices/{id}/twin',
      methods: ['GET'],
      access: { kind: 'roles', anyOf: ['Fleet.Read'] },
      handler: async (request) => ({ jsonBody: await twins().get(routeDeviceId(request)) }),
    },
    {
      kind: 'http',
      name: 'patchDeviceDesired',
      route: 'devices/{id}/twin/desired',
      methods: ['PATCH'],
      access: { kind: 'roles', anyOf: ['Fleet.Operate'] },
      // The hub keeps at most 32 KB of desired properties.
      maxBodyBytes: 32 * 1024,
      handler: async (request, _context, caller) => {
        const deviceId = routeDeviceId(request);
        const patch = await readJsonBody(request);
        if (typeof patch !== 'object' || patch === null || Array.isArray(patch))
          throw new AppError(
            'validation_failed',
            'send the desired patch as a JSON object; null deletes a property',
          );
        const { modelId } = await twins().get(deviceId);
        await deps.checks.desired(modelId, patch as Record<string, unknown>);
        const twin = await twins().patchDesired(deviceId, patch as Record<string, unknown>);
        const version = (twin.properties.desired as { $version?: unknown }).$version;
        await deps.activity.record([deviceId], caller, 'desired', { patch, version });
        return { jsonBody: twin };
      },
    },
    {
      kind: 'http',
      name: 'invokeDeviceCommand',
      route: 'devices/{id}/commands/{name}',
      methods: ['POST'],
      access: { kind: 'roles', anyOf: ['Fleet.Operate'] },
      // A direct method's payload is at most 128 KB.
      maxBodyBytes: 130 * 1024,
      handler: async (request, _context, caller) => {
        const deviceId = routeDeviceId(request);
        const name = request.params.name ?? '';
        if (!commandNamePattern.test(name))
          throw new AppError('validation_failed', commandNameRule);
        // The body is optional: a command without a payload takes the defaults.
        const text = await request.text();
        const body = (text.trim() === '' ? {} : (parseJson(text) ?? {})) as Record<string, unknown>;
        if (typeof body !== 'object' || Array.isArray(body))
          throw new AppError(
            'validation_failed',
            'send {"payload"?, "responseTimeoutInSeconds"?, "connectTimeoutInSeconds"?}',
          );
        const command = {
          name,
          payload: body.payload,
          responseTimeoutInSeconds: seconds(
            body.responseTimeoutInSeconds,
            'responseTimeoutInSeconds',
            { min: 5, max: 300, fallback: 30 },
          ),
          connectTimeoutInSeconds: seconds(
            body.connectTimeoutInSeconds,
            'connectTimeoutInSeconds',
            { min: 0, max: 300, fallback: 0 },
          ),
        };
        await deps.checks.command((await twins().get(deviceId)).modelId, name, command.payload);
        // Recorded however it ends: a command to a device that is offline was still asked for.
        try {
          const outcome = await twins().invoke(deviceId, command);
          await deps.activity.record([deviceId], caller, 'command', {
            name,
            payload: command.payload ?? null,
            status: outcome.status,
          });
          return { jsonBody: outcome };
        } catch (error) {
          if (error instanceof AppError && error.code !== 'validation_failed')
            await deps.activity.record([deviceId], caller, 'command', {
              name,
              payload: command.payload ?? null,
              error: error.code,
            });
          throw error;
        }
      },
    },
    {
      kind: 'http',
      name: 'listDeviceActivity',
      route: 'devices/{id}/activity',
      methods: ['GET'],
      access: { kind: 'roles', anyOf: ['Fleet.Read'] },
      handler: async (request) => {
        const deviceId = routeDeviceId(request);
        const limit = queryInteger(request, 'limit', { min: 1, max: 500, fallback: 50 });
        return { jsonBody: await deps.activity.list(deviceId, limit) };
      },
    },
  ];
}
