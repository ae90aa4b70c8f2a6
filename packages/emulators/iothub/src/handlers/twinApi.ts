import type http from 'node:http';
import { BodyTooLargeError, readBody, sendJson } from '@fieldline/emulator-kit';
import {
  argumentInvalid,
  deviceNotFound,
  type HubError,
  sendHubError,
} from '../protocol/hubErrors';
import { parseSasToken } from '../protocol/sharedAccessSignature';
import type { RegistryStore } from '../state/registryStore';
import type { Throttles } from '../state/throttles';
import { TwinError, type TwinStore } from '../state/twinStore';
import type { Authorizer, PolicyRight } from './authorization';
import type { DeviceChannels } from './deviceChannels';
import type { HubEvents } from './hubEvents';

export interface TwinApiDeps {
  readonly hostName: string;
  readonly registry: RegistryStore;
  readonly twins: TwinStore;
  readonly authorizer: Authorizer;
  /** Absent without the MQTT door: then no device listens, and methods find none online. */
  readonly channels: DeviceChannels | undefined;
  readonly events: HubEvents;
  readonly throttles: Throttles;
}

/** `/twins/{id}` and `/twins/{id}/methods`, as the service REST API (2021-04-12) has them. */
export const twinRoute = /^\/twins\/([^/]+)(\/methods)?$/;

/**
 * Twins and direct methods for a back end (a TwinError thrown here, a bad body or a twin limit,
 * is answered by the server's error mapping): `GET`, `PATCH` (merge tags and desired properties) and
 * `PUT` (replace them) on `/twins/{id}`, with ETags; `POST /twins/{id}/methods` to invoke one.
 * Reads take RegistryRead or ServiceConnect, writes RegistryWrite or ServiceConnect, methods ServiceConnect.
 */
export async function handleTwinRequest(
  deviceId: string,
  methods: boolean,
  request: http.IncomingMessage,
  response: http.ServerResponse,
  deps: TwinApiDeps,
): Promise<void> {
  const rights: PolicyRight[] = methods
    ? ['ServiceConnect']
    : request.method === 'GET'
      ? ['RegistryRead', 'ServiceConnect']
      : ['RegistryWrite', 'ServiceConnect'];
  const denied = deps.authorizer.anyOf(
    parseSasToken(request.headers.authorization),
    rights,
    `${deps.hostName}/twins/${deviceId}`,
  );
  if (denied) return sendHubError(response, denied);
  const device = deps.registry.get(deviceId);
  if (!device) return sendHubError(response, deviceNotFound(deviceId));
  if (methods) {
    if (request.method !== 'POST') return sendHubError(response, notAllowed(request.method));
    return invokeMethod(deviceId, await jsonBody(request), response, deps);
  }
  const throttled = deps.throttles.take(request.method === 'GET' ? 'twinReads' : 'twinUpdates');
  if (throttled) return sendHubError(response, throttled);
  if (request.method === 'GET') return sendTwin(response, deviceId, deps);
  if (request.method !== 'PATCH' && request.method !== 'PUT')
    return sendHubError(response, notAllowed(request.method));
  const mode = request.method === 'PUT' ? 'replace' : 'merge';
  const { desiredPatch, tags, twinVersion } = deps.twins.update(
    deviceId,
    await jsonBody(request),
    request.headers['if-match'],
    mode,
  );
  if (desiredPatch) deps.channels?.desiredChanged(deviceId, desiredPatch);
  if (desiredPatch || tags)
    deps.events.twinChanged(deviceId, mode === 'replace' ? 'replaceTwin' : 'updateTwin', {
      version: twinVersion,
      ...(tags ? { tags } : {}),
      ...(desiredPatch ? { properties: { desired: desiredPatch } } : {}),
    });
  return sendTwin(response, deviceId, deps);
}

function sendTwin(response: http.ServerResponse, deviceId: string, deps: TwinReadDeps) {
  const twin = twinDocument(deviceId, deps);
  sendJson(response, 200, twin, { etag: `"${twin.etag}"` });
}

export type TwinReadDeps = Pick<TwinApiDeps, 'registry' | 'twins' | 'channels'>;

/** A twin as the service API shows it (`GET /twins/{id}`, and each result of a query). */
export function twinDocument(deviceId: string, deps: TwinReadDeps) {
  const device = deps.registry.get(deviceId);
  const twin = deps.twins.serviceView(deviceId);
  const connected = deps.channels?.isConnected(deviceId) ?? false;
  return {
    deviceId,
    etag: twin.etag,
    deviceEtag: device?.etag,
    version: twin.version,
    status: device?.status,
    statusUpdateTime: device?.statusUpdatedTime,
    connectionState: connected ? 'Connected' : 'Disconnected',
    lastActivityTime: '0001-01-01T00:00:00Z',
    cloudToDeviceMessageCount: 0,
    authenticationType: 'sas',
    x509Thumbprint: { primaryThumbprint: null, secondaryThumbprint: null },
    modelId: twin.modelId,
    tags: twin.tags,
    properties: twin.properties,
    capabilities: { iotEdge: false },
  };
}

async function invokeMethod(
  deviceId: string,
  body: unknown,
  response: http.ServerResponse,
  deps: TwinApiDeps,
) {
  const { methodName, payload, responseTimeoutInSeconds, connectTimeoutInSeconds } = (body ??
    {}) as Record<string, unknown>;
  if (typeof methodName !== 'string' || methodName === '' || methodName.length > 128)
    return sendHubError(
      response,
      argumentInvalid('methodName must be a string of 1 to 128 characters'),
    );
  // The docs bound the response timeout to 5..300 s; 30 s unless given.
  const timeout = responseTimeoutInSeconds === undefined ? 30 : Number(responseTimeoutInSeconds);
  if (!Number.isInteger(timeout) || timeout < 5 || timeout > 300)
    return sendHubError(response, argumentInvalid('responseTimeoutInSeconds must be 5 to 300'));
  const connectTimeout =
    connectTimeoutInSeconds === undefined ? 0 : Number(connectTimeoutInSeconds);
  if (!Number.isInteger(connectTimeout) || connectTimeout < 0 || connectTimeout > 300)
    return sendHubError(response, argumentInvalid('connectTimeoutInSeconds must be 0 to 300'));
  // Direct methods are metered in 4 KB steps of their payload.
  const meteredKilobytes =
    4 * Math.max(1, Math.ceil(Buffer.byteLength(JSON.stringify(payload ?? null)) / 4096));
  const throttled = deps.throttles.take('methodKilobytes', meteredKilobytes);
  if (throttled) return sendHubError(response, throttled);
  const offline: HubError = {
    status: 404,
    code: 'DeviceNotOnline',
    message: `Timed out waiting for device ${deviceId} to connect (404103)`,
  };
  const result = deps.channels
    ? await deps.channels.invoke(deviceId, {
        name: methodName,
        payload,
        timeoutSeconds: timeout,
        connectTimeoutSeconds: connectTimeout,
      })
    : offline;
  if ('code' in result) return sendHubError(response, result);
  sendJson(response, 200, { status: result.status, payload: result.payload });
}

export async function jsonBody(request: http.IncomingMessage): Promise<unknown> {
  let raw: Buffer;
  try {
    raw = await readBody(request, 128 * 1024);
  } catch (error) {
    if (error instanceof BodyTooLargeError)
      throw new TwinError(413, 'MessageTooLarge', error.message);
    throw error;
  }
  try {
    return JSON.parse(raw.toString('utf8') || '{}') as unknown;
  } catch {
    throw new TwinError(400, 'ArgumentInvalid', 'the body is not JSON');
  }
}

function notAllowed(method: string | undefined): HubError {
  return { status: 405, code: 'MethodNotAllowed', message: `${method} is not supported` };
}
