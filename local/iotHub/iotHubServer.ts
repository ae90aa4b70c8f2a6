import { randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { LocalCertificates } from '@fieldline/emulator-kit';
import {
  BodyTooLargeError,
  close,
  listen,
  PortInUseError,
  readBody,
  sendJson,
} from '@fieldline/emulator-kit';
import type { HubEventLog } from './hubEventLog';
import { startMqttFrontDoor } from './mqttFrontDoor';
import type { DeviceIdentity, RegistryStore } from './registryStore';
import { type ParsedSasToken, parseSasToken, signatureMatches } from './sharedAccessSignature';

export type PolicyRight = 'RegistryRead' | 'RegistryWrite' | 'ServiceConnect' | 'DeviceConnect';

export interface AccessPolicy {
  readonly name: string;
  readonly key: string;
  readonly rights: readonly PolicyRight[];
}

export interface IotHubServerOptions {
  /**
   * The hub's host name, which tokens are scoped to and MQTT user names name, whatever address a
   * request came in at (as `{hub}.azure-devices.net` is in Azure); `localhost` locally.
   */
  readonly hostName: string;
  readonly registry: RegistryStore;
  readonly log: HubEventLog;
  readonly policies: readonly AccessPolicy[];
  readonly now?: () => number;
  /** Also accept devices over MQTT 3.1.1 over TLS (IoT Hub's device protocol) on this port. */
  readonly mqtt?: {
    readonly port: number;
    readonly certificates: Pick<LocalCertificates, 'certPem' | 'keyPem'>;
    readonly log?: (line: string) => void;
  };
  /**
   * Also serve the same REST APIs over HTTPS on this port, as the hub does on 443. With
   * `orElseFreePort`, a port that cannot be had (in use, or below 1024 without the right) is
   * replaced by a free one, and `https.problem` says why.
   */
  readonly https?: {
    readonly port: number;
    readonly orElseFreePort?: boolean;
    readonly certificates: Pick<LocalCertificates, 'certPem' | 'keyPem'>;
  };
}

export type HubError = { status: number; code: string; message: string };

/** A device's credentials checked, and its messages taken in, the same whatever protocol brought them. */
export interface DeviceGate {
  authorize(token: ParsedSasToken, deviceId: string): HubError | undefined;
  accept(
    deviceId: string,
    token: ParsedSasToken,
    body: Buffer,
    properties: Record<string, string>,
    system: Record<string, string>,
  ): void;
  /** The hub's host name, which device tokens and MQTT user names name. */
  hostName(): string;
}

export interface RunningIotHub {
  /** The plain-HTTP port, for curl and the function app. */
  readonly port: number;
  /** `http://127.0.0.1:{port}`. */
  readonly url: string;
  readonly hostName: string;
  /** The MQTT over TLS port, when `mqtt` was asked for. */
  readonly mqttPort: number | undefined;
  /** The HTTPS port, when `https` was asked for, and why it is not the one asked for, if it is not. */
  readonly https: { readonly port: number; readonly problem?: string } | undefined;
  stop(): Promise<void>;
}

// Device-to-cloud messages are limited to 256 KB by the hub.
const maxMessageBytes = 256 * 1024;
const devicePath = /^\/devices\/([^/]+)$/;
const eventsPath = /^\/devices\/([^/]+)\/messages\/events$/;
const deviceIdPattern = /^[A-Za-z0-9\-.%_#*?!(),:=@$'+]{1,128}$/;

/**
 * A stand-in for IoT Hub's HTTPS APIs (api-version 2021-04-12): the identity registry
 * (`PUT/GET/DELETE /devices/{id}`, service SAS with a policy's rights) and device-to-cloud
 * telemetry (`POST /devices/{id}/messages/events`, device SAS), feeding a partitioned event log.
 */
export async function startIotHubServer(
  port: number,
  options: IotHubServerOptions,
): Promise<RunningIotHub> {
  const now = options.now ?? (() => Date.now());
  const hostName = options.hostName;
  const onRequest = (request: http.IncomingMessage, response: http.ServerResponse) => {
    handle(request, response).catch((error: unknown) => {
      const hubError: HubError =
        error instanceof BodyTooLargeError
          ? {
              status: 413,
              code: 'MessageTooLarge',
              message: `Message size exceeds ${maxMessageBytes} bytes`,
            }
          : { status: 500, code: 'ServerError', message: 'internal error in the IoT Hub stand-in' };
      sendHubError(response, hubError);
    });
  };
  const server = http.createServer(onRequest);

  async function handle(
    request: http.IncomingMessage,
    response: http.ServerResponse,
  ): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (!url.searchParams.get('api-version')) {
      return sendHubError(response, {
        status: 400,
        code: 'InvalidProtocolVersion',
        message: 'api-version is required',
      });
    }
    const events = eventsPath.exec(url.pathname);
    if (events && request.method === 'POST')
      return sendTelemetry(decodeURIComponent(events[1] ?? ''), request, response);
    const device = devicePath.exec(url.pathname);
    if (device) return registry(decodeURIComponent(device[1] ?? ''), request, response);
    sendHubError(response, {
      status: 404,
      code: 'NotFound',
      message: `no route for ${request.method} ${url.pathname}`,
    });
  }

  async function registry(
    deviceId: string,
    request: http.IncomingMessage,
    response: http.ServerResponse,
  ) {
    const right: PolicyRight = request.method === 'GET' ? 'RegistryRead' : 'RegistryWrite';
    const denied = authorizePolicy(
      parseSasToken(request.headers.authorization),
      right,
      `${hostName}/devices/${deviceId}`,
    );
    if (denied) return sendHubError(response, denied);
    if (!deviceIdPattern.test(deviceId)) {
      return sendHubError(response, {
        status: 400,
        code: 'ArgumentInvalid',
        message: `DeviceId '${deviceId}' is invalid`,
      });
    }
    const ifMatch = request.headers['if-match'];
    switch (request.method) {
      case 'GET': {
        const found = options.registry.get(deviceId);
        if (!found) return sendHubError(response, deviceNotFound(deviceId));
        return sendJson(response, 200, toDeviceJson(found), { etag: `"${found.etag}"` });
      }
      case 'PUT': {
        const body = parseDeviceBody(await readBody(request, 64 * 1024));
        if ('error' in body) return sendHubError(response, body.error);
        if (body.deviceId !== undefined && body.deviceId !== deviceId) {
          return sendHubError(response, {
            status: 400,
            code: 'ArgumentInvalid',
            message: 'deviceId in the body does not match the URL',
          });
        }
        const result = options.registry.put(deviceId, body, ifMatch);
        if (!result.ok) return sendHubError(response, result);
        return sendJson(response, 200, toDeviceJson(result.value.device), {
          etag: `"${result.value.device.etag}"`,
        });
      }
      case 'DELETE': {
        const result = options.registry.delete(deviceId, ifMatch);
        if (!result.ok) return sendHubError(response, result);
        response.writeHead(204).end();
        return;
      }
      default:
        return sendHubError(response, {
          status: 405,
          code: 'MethodNotAllowed',
          message: `${request.method} is not supported`,
        });
    }
  }

  async function sendTelemetry(
    deviceId: string,
    request: http.IncomingMessage,
    response: http.ServerResponse,
  ) {
    const token = parseSasToken(request.headers.authorization);
    if (!token)
      return sendHubError(response, unauthorized('missing or malformed SharedAccessSignature'));
    const denied = devices.authorize(token, deviceId);
    if (denied) return sendHubError(response, denied);
    const body = await readBody(request, maxMessageBytes);
    // Property names keep the case they were sent in (`temperatureAlert`), so from the raw headers.
    const properties: Record<string, string> = {};
    const raw = request.rawHeaders;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = raw[i] as string;
      if (name.toLowerCase().startsWith('iothub-app-'))
        properties[name.slice('iothub-app-'.length)] = raw[i + 1] as string;
    }
    const system: Record<string, string> = {};
    for (const [header, property] of Object.entries(systemPropertyHeaders)) {
      const value = request.headers[header];
      if (typeof value === 'string') system[property] = value;
    }
    // A plain REST client's body type stands in for the system property it did not set.
    const contentType = request.headers['content-type'];
    if (!system['content-type'] && contentType) system['content-type'] = contentType;
    devices.accept(deviceId, token, body, properties, system);
    response.writeHead(204).end();
  }

  /** What both front doors (HTTPS and MQTT) do with a device's credentials and messages. */
  const devices: DeviceGate = {
    authorize: (token, deviceId) =>
      authorizeDevice(token, deviceId, options.registry.get(deviceId)),
    accept(deviceId, token, body, properties, system) {
      options.log.append(deviceId, body, properties, {
        'iothub-connection-device-id': deviceId,
        'iothub-connection-auth-method': JSON.stringify({
          scope: token.policyName ? 'hub' : 'device',
          type: 'sas',
          issuer: 'iothub',
        }),
        'iothub-connection-auth-generation-id': options.registry.get(deviceId)?.generationId,
        'iothub-message-source': 'Telemetry',
        ...system,
      });
    },
    hostName: () => hostName,
  };

  function authorizePolicy(
    token: ParsedSasToken | undefined,
    right: PolicyRight,
    resource: string,
  ): HubError | undefined {
    if (!token?.policyName) return unauthorized('a service SAS token with skn is required');
    const policy = options.policies.find((p) => p.name === token.policyName);
    if (!policy || !signatureMatches(token, policy.key))
      return unauthorized('the signature does not match');
    const expiry = checkExpiry(token);
    if (expiry) return expiry;
    if (!inScope(token, resource))
      return unauthorized(`the token's scope ${token.resourceUri} does not cover ${resource}`);
    if (!policy.rights.includes(right)) return unauthorized(`policy ${policy.name} lacks ${right}`);
    return undefined;
  }

  function authorizeDevice(
    token: ParsedSasToken,
    deviceId: string,
    device: DeviceIdentity | undefined,
  ): HubError | undefined {
    if (token.policyName) {
      return (
        authorizePolicy(token, 'DeviceConnect', `${hostName}/devices/${deviceId}`) ??
        (device ? undefined : deviceNotFound(deviceId))
      );
    }
    if (!device) return deviceNotFound(deviceId);
    if (![device.primaryKey, device.secondaryKey].some((key) => signatureMatches(token, key))) {
      return unauthorized('the signature does not match the device key');
    }
    const expiry = checkExpiry(token);
    if (expiry) return expiry;
    if (!inScope(token, `${hostName}/devices/${deviceId}`)) {
      return unauthorized(`the token's scope ${token.resourceUri} is not this device`);
    }
    if (device.status === 'disabled')
      return { status: 403, code: 'DeviceDisabled', message: `device ${deviceId} is disabled` };
    return undefined;
  }

  function checkExpiry(token: ParsedSasToken): HubError | undefined {
    return token.expiry * 1000 <= now() ? unauthorized('the SAS token has expired') : undefined;
  }

  const boundPort = await listen(server, port, 'IoT Hub');
  const secure = options.https ? await startHttpsDoor(options.https, onRequest) : undefined;
  const mqtt = options.mqtt
    ? await startMqttFrontDoor(options.mqtt.port, {
        gate: devices,
        certificates: options.mqtt.certificates,
        maxMessageBytes,
        log: options.mqtt.log ?? (() => undefined),
      })
    : undefined;
  return {
    port: boundPort,
    url: `http://127.0.0.1:${boundPort}`,
    hostName,
    mqttPort: mqtt?.port,
    https: secure && {
      port: secure.port,
      ...(secure.problem ? { problem: secure.problem } : {}),
    },
    async stop() {
      await mqtt?.stop();
      if (secure) await close(secure.server);
      await close(server);
    },
  };
}

/**
 * The HTTPS door. azure-iothub's `Registry` and the device HTTP transport take the hub's host name
 * as a host and cannot be given a port, so they reach a local hub only at `localhost:443`.
 */
async function startHttpsDoor(
  door: NonNullable<IotHubServerOptions['https']>,
  onRequest: http.RequestListener,
): Promise<{ server: https.Server; port: number; problem?: string }> {
  const tlsOptions = { cert: door.certificates.certPem, key: door.certificates.keyPem };
  const server = https.createServer(tlsOptions, onRequest);
  try {
    return { server, port: await listen(server, door.port, 'IoT Hub HTTPS') };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const unavailable = error instanceof PortInUseError || code === 'EACCES';
    if (!door.orElseFreePort || !unavailable) throw error;
    const fallback = https.createServer(tlsOptions, onRequest);
    return {
      server: fallback,
      port: await listen(fallback, 0, 'IoT Hub HTTPS'),
      problem:
        error instanceof PortInUseError
          ? `port ${door.port} is in use`
          : `port ${door.port} needs a privilege this process lacks (EACCES)`,
    };
  }
}

// The headers the device HTTP transport sets a message's system properties in, by the hub's names.
const systemPropertyHeaders: Readonly<Record<string, string>> = {
  'iothub-messageid': 'message-id',
  'iothub-correlationid': 'correlation-id',
  'iothub-userid': 'user-id',
  'iothub-to': 'to',
  'iothub-expiry': 'absolute-expiry-time',
  'iothub-contenttype': 'content-type',
  'iothub-contentencoding': 'content-encoding',
};

function inScope(token: ParsedSasToken, resource: string): boolean {
  const scope = token.resourceUri.toLowerCase().replace(/\/$/, '');
  const target = resource.toLowerCase();
  return target === scope || target.startsWith(`${scope}/`);
}

function unauthorized(detail: string): HubError {
  return { status: 401, code: 'IotHubUnauthorizedAccess', message: `Unauthorized: ${detail}` };
}

function deviceNotFound(deviceId: string): HubError {
  return { status: 404, code: 'DeviceNotFound', message: `Device ${deviceId} not registered` };
}

/** Errors in the hub's shape: `{Message: "ErrorCode:<code>;<text>", ExceptionMessage}` and `iothub-errorcode`. */
function sendHubError(response: http.ServerResponse, error: HubError): void {
  sendJson(
    response,
    error.status,
    {
      Message: `ErrorCode:${error.code};${error.message}`,
      ExceptionMessage: `Tracking ID:${randomUUID().replaceAll('-', '')}-TimeStamp:${new Date().toISOString()}`,
    },
    { 'iothub-errorcode': error.code },
  );
}

function parseDeviceBody(raw: Buffer):
  | {
      deviceId?: string;
      status?: 'enabled' | 'disabled';
      primaryKey?: string;
      secondaryKey?: string;
    }
  | { error: HubError } {
  if (raw.length === 0) return {};
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    return { error: { status: 400, code: 'ArgumentInvalid', message: 'the body is not JSON' } };
  }
  if (typeof body !== 'object' || body === null) {
    return {
      error: { status: 400, code: 'ArgumentInvalid', message: 'the body must be a device object' },
    };
  }
  const { deviceId, status, authentication } = body as Record<string, unknown>;
  const keys = (
    authentication as
      | { symmetricKey?: { primaryKey?: unknown; secondaryKey?: unknown } }
      | undefined
  )?.symmetricKey;
  const key = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  if (status !== undefined && status !== 'enabled' && status !== 'disabled') {
    return {
      error: {
        status: 400,
        code: 'ArgumentInvalid',
        message: 'status must be enabled or disabled',
      },
    };
  }
  const primaryKey = key(keys?.primaryKey);
  const secondaryKey = key(keys?.secondaryKey);
  return {
    ...(typeof deviceId === 'string' ? { deviceId } : {}),
    ...(status ? { status } : {}),
    ...(primaryKey ? { primaryKey } : {}),
    ...(secondaryKey ? { secondaryKey } : {}),
  };
}

function toDeviceJson(device: DeviceIdentity) {
  return {
    deviceId: device.deviceId,
    generationId: device.generationId,
    etag: device.etag,
    connectionState: 'Disconnected',
    status: device.status,
    statusReason: null,
    connectionStateUpdatedTime: '0001-01-01T00:00:00Z',
    statusUpdatedTime: device.statusUpdatedTime,
    lastActivityTime: '0001-01-01T00:00:00Z',
    cloudToDeviceMessageCount: 0,
    authentication: {
      symmetricKey: { primaryKey: device.primaryKey, secondaryKey: device.secondaryKey },
      x509Thumbprint: { primaryThumbprint: null, secondaryThumbprint: null },
      type: 'sas',
    },
    capabilities: { iotEdge: false },
  };
}
