import type { HttpRequest } from '@azure/functions';
import { AppError } from '../host/appError';
import type { HttpFunctionDefinition } from '../host/functionDefinition';
import { queryInteger, readJsonBody, routeDeviceId } from '../host/http';
import { settingNames } from '../settings/settingNames';
import { decodeContinuation, encodeContinuation } from './continuationToken';
import { type DeviceMessageProxy, maxDeviceMessageBytes } from './deviceMessageProxy';
import type { DeviceRegistry } from './deviceRegistry';
import type { EventFeedSource, FeedPositions } from './eventFeed';

export interface GatewayDeps {
  readonly registry?: DeviceRegistry;
  /** Removes what fieldline keeps of a device (state, rollups, alarms, calibration, tags): rows removed. */
  readonly eraseDeviceData?: (deviceId: string) => Promise<number>;
  readonly proxy?: DeviceMessageProxy;
  readonly feed?: EventFeedSource;
  /** Settings that switched the gateway off, for its 503s. */
  readonly problems?: readonly string[];
}

/** The 503 of every gateway function when the stage has no gateway, or a broken one. */
export function gatewayUnavailable(problems: readonly string[] | undefined): AppError {
  return new AppError(
    'unavailable',
    problems
      ? `the device gateway is misconfigured: ${problems.join('; ')}`
      : `the device gateway is not configured for this stage: set ${settingNames.iotHubHostName} (see docs/configuration.md)`,
  );
}

/** Device registration, the browser proxy and the pull feed. */
export function createGatewayFunctions(deps: GatewayDeps): HttpFunctionDefinition[] {
  const { problems } = deps;
  const notConfigured = () => gatewayUnavailable(problems);
  return [
    {
      kind: 'http',
      name: 'registerDevice',
      route: 'devices',
      methods: ['POST'],
      // Provisioning back ends (app-only tokens) and operators.
      access: { kind: 'roles', anyOf: ['Fleet.Operate'] },
      maxBodyBytes: 4096,
      handler: async (request) => {
        if (!deps.registry) throw notConfigured();
        const body = await readJsonBody(request);
        const deviceId = (body as { deviceId?: unknown } | null)?.deviceId;
        if (typeof deviceId !== 'string')
          throw new AppError('validation_failed', 'send {"deviceId": "..."}');
        const registered = await deps.registry.register(deviceId);
        if (!registered.created)
          throw new AppError(
            'conflict',
            `device ${deviceId} exists: its keys are handed out only when it is created (a Fleet.Admin reads them with GET /api/devices/${deviceId}/connection-string)`,
          );
        return { status: 201, jsonBody: registered.device };
      },
    },
    {
      kind: 'http',
      name: 'getDeviceConnectionString',
      route: 'devices/{id}/connection-string',
      methods: ['GET'],
      // A device's key lets its holder send as the device: administrators only, and logged.
      access: { kind: 'roles', anyOf: ['Fleet.Admin'] },
      handler: async (request, context, caller) => {
        if (!deps.registry) throw notConfigured();
        const deviceId = routeDeviceId(request);
        const device = await deps.registry.connection(deviceId);
        if (!device) throw new AppError('not_found', `no device ${deviceId} in the registry`);
        context.log(
          `handed out the connection string of device ${deviceId} to ${caller?.subject ?? 'unknown'}`,
        );
        return { jsonBody: device, headers: { 'cache-control': 'no-store' } };
      },
    },
    {
      kind: 'http',
      name: 'removeDevice',
      route: 'devices/{id}',
      methods: ['DELETE'],
      // Decommissioning destroys a device's identity and history: administrators only.
      access: { kind: 'roles', anyOf: ['Fleet.Admin'] },
      handler: async (request, context, caller) => {
        if (!deps.registry || !deps.eraseDeviceData) throw notConfigured();
        const deviceId = routeDeviceId(request);
        const identity = await deps.registry.remove(deviceId);
        const rows = await deps.eraseDeviceData(deviceId);
        if (!identity && rows === 0)
          throw new AppError('not_found', `no device ${deviceId} in the registry or the fleet`);
        context.log(
          `removed device ${deviceId} (registry identity: ${identity}, ${rows} rows) for ${caller?.subject ?? 'unknown'}`,
        );
        return { status: 204 };
      },
    },
    {
      kind: 'http',
      name: 'sendDeviceMessage',
      route: 'devices/{id}/messages',
      methods: ['POST'],
      // The device's own SAS token authorizes the message; IoT Hub checks it.
      access: { kind: 'deviceSas' },
      // IoT Hub's own limit for a device-to-cloud message.
      maxBodyBytes: maxDeviceMessageBytes,
      handler: async (request) => {
        if (!deps.proxy) throw notConfigured();
        const deviceId = routeDeviceId(request);
        const answer = await deps.proxy({
          deviceId,
          authorization: request.headers.get('authorization'),
          body: new Uint8Array(await request.arrayBuffer()),
          contentType: request.headers.get('content-type'),
          properties: appProperties(request),
        });
        if (answer.status === 429)
          throw new AppError(
            'too_many_requests',
            'IoT Hub is throttling this device; retry after the Retry-After delay',
            { headers: { 'retry-after': answer.retryAfter ?? '1' } },
          );
        return { status: 204 };
      },
    },
    {
      kind: 'http',
      name: 'pullMessages',
      route: 'messages',
      methods: ['GET'],
      access: { kind: 'roles', anyOf: ['Fleet.Admin'] },
      handler: async (request) => {
        if (!deps.feed) throw notConfigured();
        const max = queryInteger(request, 'max', { min: 1, max: 1000, fallback: 100 });
        const waitMs = queryInteger(request, 'waitMs', { min: 0, max: 20_000, fallback: 1000 });
        const partitions = await deps.feed.partitionIds();
        const after = request.query.get('after');
        const start: FeedPositions = after
          ? decodeContinuation(after, partitions)
          : Object.fromEntries(partitions.map((p) => [p, -1]));
        const messages = await deps.feed.read(start, max, waitMs);
        const next: Record<string, number> = { ...start };
        for (const message of messages)
          next[message.partitionId] = Math.max(
            next[message.partitionId] ?? -1,
            message.sequenceNumber,
          );
        return { jsonBody: { messages, continuation: encodeContinuation(next) } };
      },
    },
  ];
}

function appProperties(request: HttpRequest): Record<string, string> {
  const properties: Record<string, string> = {};
  request.headers.forEach((value, name) => {
    if (name.toLowerCase().startsWith('iothub-app-'))
      properties[name.slice('iothub-app-'.length)] = value;
  });
  return properties;
}
