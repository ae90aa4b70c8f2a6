import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadOrCreateCertificates, type RunningEmulator } from '@fieldline/emulator-kit';
import type { AccessPolicy } from './handlers/authorization';
import { startIotHubServer } from './iotHubServer';
import { HubEventLog } from './state/hubEventLog';
import { RegistryStore } from './state/registryStore';
import type { HubTier } from './state/throttles';

export {
  type AccessPolicy,
  type IotHubServerOptions,
  type PolicyRight,
  type RunningIotHub,
  startIotHubServer,
} from './iotHubServer';
export { EnrollmentStore } from './provisioning/enrollmentStore';
export { type HubEvent, HubEventLog, type HubEventLogOptions } from './state/hubEventLog';
export { type DeviceIdentity, RegistryStore } from './state/registryStore';
export { type HubTier, hubTiers } from './state/throttles';
export { TwinStore } from './state/twinStore';

export interface IotHubEmulatorOptions {
  /** The plain-HTTP REST port; 0 (the default) picks a free one. */
  readonly port?: number;
  /** MQTT over TLS for the device SDKs; 0 (the default) picks a free port. */
  readonly mqttPort?: number;
  /** The REST APIs over TLS; 0 (the default) picks a free port. */
  readonly httpsPort?: number;
  /** Partitions of the built-in endpoint; 4 unless given. */
  readonly partitionCount?: number;
  /** Shared access policies; one `iothubowner` with every right and a random key unless given. */
  readonly policies?: readonly AccessPolicy[];
  /** Where the local CA and server certificate are kept and reused; a new temporary folder unless given. */
  readonly certificatesDir?: string;
  /** Enforce this tier's throttles on twin, method, query and job operations; none unless given. */
  readonly tier?: HubTier;
}

/**
 * Starts the IoT Hub emulator on its own. `urls.connectionString` is the first policy's service
 * connection string, for `azure-iothub`; `urls.caPath` is the CA that devices must trust.
 */
export async function start(options: IotHubEmulatorOptions = {}): Promise<RunningEmulator> {
  const policies = options.policies ?? [
    {
      name: 'iothubowner',
      key: randomBytes(32).toString('base64'),
      rights: ['RegistryRead', 'RegistryWrite', 'ServiceConnect', 'DeviceConnect'],
    },
  ];
  const owner = policies[0];
  if (!owner) throw new Error('the IoT Hub emulator needs at least one shared access policy');
  const certificates = await loadOrCreateCertificates(
    options.certificatesDir ?? (await mkdtemp(path.join(os.tmpdir(), 'fieldline-iothub-'))),
  );
  const hub = await startIotHubServer(options.port ?? 0, {
    hostName: 'localhost',
    registry: new RegistryStore(),
    log: new HubEventLog({ partitionCount: options.partitionCount ?? 4 }),
    policies,
    mqtt: { port: options.mqttPort ?? 0, certificates },
    https: { port: options.httpsPort ?? 0, certificates },
    ...(options.tier ? { tier: options.tier } : {}),
  });
  return {
    urls: {
      http: hub.url,
      https: `https://localhost:${hub.https?.port}`,
      mqtts: `mqtts://localhost:${hub.mqttPort}`,
      connectionString: `HostName=${hub.hostName};SharedAccessKeyName=${owner.name};SharedAccessKey=${owner.key}`,
      caPath: certificates.caPath,
    },
    stop: () => hub.stop(),
  };
}
