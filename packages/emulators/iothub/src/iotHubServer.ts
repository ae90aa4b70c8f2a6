import http from 'node:http';
import {
  BodyTooLargeError,
  close,
  type LocalCertificates,
  listen,
  serviceRequestListener,
} from '@fieldline/emulator-kit';
import { type AccessPolicy, createAuthorizer } from './handlers/authorization';
import type { DeviceChannels } from './handlers/deviceChannels';
import { createDeviceGate } from './handlers/deviceGate';
import { createHubEvents } from './handlers/hubEvents';
import { handleJobRequest, jobRoute } from './handlers/jobApi';
import { createJobEngine } from './handlers/jobEngine';
import { startMqttFrontDoor } from './handlers/mqttFrontDoor';
import { handleQueryRequest, queryRoute } from './handlers/queryApi';
import { handleRegistryRequest } from './handlers/registryApi';
import { handleTelemetryRequest } from './handlers/telemetryApi';
import { handleTwinRequest, twinRoute } from './handlers/twinApi';
import { startHttpsDoor } from './httpsDoor';
import { sendHubError } from './protocol/hubErrors';
import {
  createProvisioningDoors,
  type ProvisioningDoorOptions,
} from './provisioning/provisioningDoors';
import type { HubEventLog } from './state/hubEventLog';
import { JobStore } from './state/jobStore';
import type { RegistryStore } from './state/registryStore';
import { createThrottles, type HubTier } from './state/throttles';
import { TwinError, TwinStore } from './state/twinStore';

export type { AccessPolicy, PolicyRight } from './handlers/authorization';
export type { DeviceGate } from './handlers/deviceGate';
export type { HubError } from './protocol/hubErrors';

export interface IotHubServerOptions {
  /**
   * The hub's host name, which tokens are scoped to and MQTT user names name, whatever address a
   * request came in at (as `{hub}.azure-devices.net` is in Azure); `localhost` locally.
   */
  readonly hostName: string;
  readonly registry: RegistryStore;
  readonly log: HubEventLog;
  /** The devices' twins; a new, empty store unless given. */
  readonly twins?: TwinStore;
  readonly policies: readonly AccessPolicy[];
  readonly now?: () => number;
  /**
   * Enforce this tier's throttles (one unit) on twin, method, query and job operations, answering
   * 429 as the hub does, and pace jobs at its rate. Off (nothing throttled) unless given.
   */
  readonly tier?: HubTier;
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
  /**
   * Also be the hub's Device Provisioning Service, on the same doors: its device registration
   * API over MQTT and HTTPS, and its service API (enrollments) with its own shared access policies.
   * The provisioning device SDK's HTTP transport takes a host and no port, so DPS and the hub
   * share one host, as both SDKs reach it.
   */
  readonly provisioning?: ProvisioningDoorOptions;
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

/**
 * A stand-in for IoT Hub's HTTPS APIs (api-version 2021-04-12): the identity registry
 * (`PUT/GET/DELETE /devices/{id}`, service SAS with a policy's rights) and device-to-cloud
 * telemetry (`POST /devices/{id}/messages/events`, device SAS), feeding a partitioned event log.
 */
export async function startIotHubServer(
  port: number,
  options: IotHubServerOptions,
): Promise<RunningIotHub> {
  const { hostName, registry, log } = options;
  const authorizer = createAuthorizer({
    hostName,
    policies: options.policies,
    now: options.now ?? (() => Date.now()),
  });
  const gate = createDeviceGate({ hostName, registry, log, authorizer });
  const twins = options.twins ?? new TwinStore(options.now);
  const hubEvents = createHubEvents({
    log,
    hostName,
    ...(options.now ? { now: options.now } : {}),
  });
  // Set once the MQTT door listens: twins and methods reach devices through it.
  let channels: DeviceChannels | undefined;
  const now = options.now ?? (() => Date.now());
  const throttles = createThrottles(options.tier, now);
  const jobs = new JobStore();
  const provisioning =
    options.provisioning &&
    createProvisioningDoors(options.provisioning, { hostName, registry, twins, now });
  const engine = createJobEngine({
    jobs,
    registry,
    twins,
    events: hubEvents,
    throttles,
    channels: () => channels,
    now,
  });

  async function handle(request: http.IncomingMessage, response: http.ServerResponse) {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (!url.searchParams.get('api-version')) {
      return sendHubError(response, {
        status: 400,
        code: 'InvalidProtocolVersion',
        message: 'api-version is required',
      });
    }
    const dps = provisioning?.serve(request, response, url.pathname);
    if (dps) return dps;
    const events = eventsPath.exec(url.pathname);
    if (events && request.method === 'POST') {
      const deviceId = decodeURIComponent(events[1] ?? '');
      return handleTelemetryRequest(deviceId, request, response, { gate, maxMessageBytes });
    }
    if (queryRoute.test(url.pathname))
      return handleQueryRequest(request, response, {
        hostName,
        registry,
        twins,
        authorizer,
        channels,
        jobs,
        throttles,
      });
    const job = jobRoute.exec(url.pathname);
    if (job) {
      const jobId = decodeURIComponent(job[1] ?? '');
      const deps = { hostName, authorizer, jobs, engine, throttles, now };
      return handleJobRequest(jobId, job[2] !== undefined, request, response, deps);
    }
    const twin = twinRoute.exec(url.pathname);
    if (twin) {
      const deviceId = decodeURIComponent(twin[1] ?? '');
      const deps = {
        hostName,
        registry,
        twins,
        authorizer,
        channels,
        events: hubEvents,
        throttles,
      };
      return handleTwinRequest(deviceId, twin[2] !== undefined, request, response, deps);
    }
    const device = devicePath.exec(url.pathname);
    if (device) {
      const deviceId = decodeURIComponent(device[1] ?? '');
      return handleRegistryRequest(deviceId, request, response, {
        hostName,
        registry,
        authorizer,
        twins,
      });
    }
    sendHubError(response, {
      status: 404,
      code: 'NotFound',
      message: `no route for ${request.method} ${url.pathname}`,
    });
  }
  const onRequest = serviceRequestListener(handle, {
    send: sendHubError,
    // A bad body or a twin limit, from any handler, is answered in the hub's shape.
    classify: (thrown) =>
      thrown instanceof TwinError
        ? { status: thrown.status, code: thrown.code, message: thrown.message }
        : thrown instanceof BodyTooLargeError
          ? {
              status: 413,
              code: 'MessageTooLarge',
              message: `Message size exceeds ${maxMessageBytes} bytes`,
            }
          : undefined,
    internal: {
      status: 500,
      code: 'ServerError',
      message: 'internal error in the IoT Hub stand-in',
    },
  });
  const server = http.createServer(onRequest);
  const boundPort = await listen(server, port, 'IoT Hub');
  const secure = options.https ? await startHttpsDoor(options.https, onRequest) : undefined;
  const mqtt = options.mqtt
    ? await startMqttFrontDoor(options.mqtt.port, {
        gate,
        certificates: options.mqtt.certificates,
        maxMessageBytes,
        log: options.mqtt.log ?? (() => undefined),
        twins,
        events: hubEvents,
        ...(provisioning ? { provisioning: provisioning.mqtt } : {}),
      })
    : undefined;
  channels = mqtt?.channels;
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
      engine.stop();
      await mqtt?.stop();
      if (secure) await close(secure.server);
      await close(server);
    },
  };
}
