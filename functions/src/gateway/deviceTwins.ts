import { AppError } from '../host/appError';
import { deviceIdRule, isValidDeviceId } from '../host/deviceId';
import { createHubRestCall, iotHubApiVersion } from './iotHubRest';
import type { GatewayConfig } from './settings';

/** A twin as IoT Hub's service API answers with it, as far as fieldline passes it on. */
export interface DeviceTwin {
  readonly deviceId: string;
  readonly etag: string;
  readonly version: number;
  readonly modelId: string;
  readonly connectionState: string;
  readonly tags: Record<string, unknown>;
  readonly properties: {
    readonly desired: Record<string, unknown>;
    readonly reported: Record<string, unknown>;
  };
}

export interface CommandOutcome {
  readonly status: number;
  readonly payload: unknown;
}

/**
 * Twins and direct methods through the hub's service REST API (2021-04-12): read a twin, patch its
 * desired properties (JSON merge, `null` deletes), invoke a method. Hub answers become AppErrors
 * with a code that says what happened (not found, offline, timed out, throttled).
 */
export function createDeviceTwins(options: {
  gateway: GatewayConfig;
  authorization: () => Promise<string>;
  fetch?: typeof fetch;
}) {
  const hub = createHubRestCall(options);
  const url = (deviceId: string, rest = '') =>
    `${options.gateway.endpoint}/twins/${encodeURIComponent(deviceId)}${rest}?api-version=${iotHubApiVersion}`;
  const call = (method: string, target: string, body?: unknown, timeoutMs = 30_000) =>
    hub(method, target, { ...(body === undefined ? {} : { body }), timeoutMs });

  async function refusal(response: Response, deviceId: string, what: string): Promise<AppError> {
    const code = response.headers.get('iothub-errorcode') ?? '';
    const text = ((await response.json().catch(() => ({}))) as { Message?: string }).Message ?? '';
    if (code === 'DeviceNotFound' || (response.status === 404 && code !== 'DeviceNotOnline'))
      return new AppError('not_found', `no device ${deviceId}`);
    if (code === 'DeviceNotOnline')
      return new AppError(
        'device_offline',
        `device ${deviceId} is not connected, so it cannot take ${what}`,
      );
    if (response.status === 504 || code === 'GatewayTimeout')
      return new AppError('device_timeout', `device ${deviceId} did not answer ${what} in time`);
    if (response.status === 412)
      return new AppError('conflict', `the twin of ${deviceId} changed meanwhile; read it again`);
    if (response.status === 429)
      return new AppError('too_many_requests', `IoT Hub is throttling ${what}; try again later`);
    if (response.status === 400)
      return new AppError(
        'validation_failed',
        text.replace(/^ErrorCode:[^;]*;/, '') || `IoT Hub refused ${what}`,
      );
    return new AppError('unavailable', `IoT Hub answered ${response.status} to ${what}`);
  }

  const checked = (deviceId: string) => {
    if (!isValidDeviceId(deviceId)) throw new AppError('validation_failed', deviceIdRule);
    return deviceId;
  };

  return {
    async get(deviceId: string): Promise<DeviceTwin> {
      const response = await call('GET', url(checked(deviceId)));
      if (!response.ok) throw await refusal(response, deviceId, 'the twin read');
      return (await response.json()) as DeviceTwin;
    },

    /** Merges `patch` into the desired properties; the twin after the change. */
    async patchDesired(deviceId: string, patch: Record<string, unknown>): Promise<DeviceTwin> {
      const response = await call('PATCH', url(checked(deviceId)), {
        properties: { desired: patch },
      });
      if (!response.ok) throw await refusal(response, deviceId, 'the desired properties');
      return (await response.json()) as DeviceTwin;
    },

    async invoke(
      deviceId: string,
      command: {
        name: string;
        payload: unknown;
        responseTimeoutInSeconds: number;
        connectTimeoutInSeconds: number;
      },
    ): Promise<CommandOutcome> {
      const response = await call(
        'POST',
        url(checked(deviceId), '/methods'),
        {
          methodName: command.name,
          payload: command.payload ?? null,
          responseTimeoutInSeconds: command.responseTimeoutInSeconds,
          connectTimeoutInSeconds: command.connectTimeoutInSeconds,
        },
        // The hub answers within the two timeouts; a little more for the trip.
        (command.responseTimeoutInSeconds + command.connectTimeoutInSeconds + 5) * 1000,
      );
      if (!response.ok) throw await refusal(response, deviceId, `the command ${command.name}`);
      const answer = (await response.json()) as { status?: unknown; payload?: unknown };
      return { status: Number(answer.status), payload: answer.payload ?? null };
    },
  };
}

export type DeviceTwins = ReturnType<typeof createDeviceTwins>;
