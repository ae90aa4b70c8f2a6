import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type LocalCertificates, loadOrCreateCertificates } from '@fieldline/emulator-kit';
import {
  type AccessPolicy,
  EnrollmentStore,
  HubEventLog,
  type HubTier,
  RegistryStore,
  type RunningIotHub,
  startIotHubServer,
} from '@fieldline/iothub-emulator';
import { settingNames } from '../functions/src/hosting';
import type { LocalEndpoints } from '../tools/localEndpoints';
import { type LocalCloudPorts, standardHttpsPort, standardMqttPort } from './localCloudOptions';

export interface LocalHub {
  readonly iotHub: RunningIotHub;
  readonly log: HubEventLog;
  readonly registry: RegistryStore;
  readonly certificates: LocalCertificates;
  /** What tools and the function app's event hub connection use: registry and service rights. */
  readonly servicePolicy: AccessPolicy;
  /** What the app's gateway uses: registration, twins and commands. */
  readonly registryPolicy: AccessPolicy;
  /** The MQTT door, as device connection strings name it (`GatewayHostName`). */
  readonly gatewayHostName: string;
  readonly provisioning: LocalProvisioning;
}

/** The stage's Device Provisioning Service, which the hub's doors also serve. */
export interface LocalProvisioning {
  readonly idScope: string;
  readonly enrollments: EnrollmentStore;
  /** Every right, as DPS's own `provisioningserviceowner`: for tools (local.json). */
  readonly ownerPolicy: AccessPolicy;
  /** What the app's enrollment-group API uses: enrollments only, as its data role in Azure. */
  readonly enrollmentPolicy: AccessPolicy;
  /** The enrollment group every local device may provision through. */
  readonly enrollmentGroup: { readonly id: string; readonly primaryKey: string };
}

// A fixed ID scope, so a device's configuration survives restarts; Azure's all start `0ne`.
export const localIdScope = '0ne00F1E1D0';
export const localEnrollmentGroupId = 'fieldline-devices';

export const randomKey = () => randomBytes(32).toString('base64');

/** The IoT Hub emulator with the policies `pulumi up` gives the hub, and the local CA for its TLS doors. */
export async function startLocalHub(options: {
  readonly ports: Partial<LocalCloudPorts>;
  readonly partitions: number;
  /** Where the CA is kept; one per process, removed at exit, when absent. */
  readonly keptIn: string | undefined;
  readonly log: (line: string) => void;
  /** `npm start -- --hub-tier S1|S2|S3`: that tier's throttles; none by default. */
  readonly tier?: HubTier | undefined;
}): Promise<LocalHub> {
  const { ports } = options;
  const servicePolicy: AccessPolicy = {
    name: 'fieldline-local',
    key: randomKey(),
    rights: ['RegistryRead', 'RegistryWrite', 'ServiceConnect'],
  };
  // The app's door to the hub's service API: the registry, and twins and direct methods, which
  // take ServiceConnect (in Azure the app uses its managed identity and data roles instead).
  const registryPolicy: AccessPolicy = {
    name: 'fieldline-registry',
    key: randomKey(),
    rights: ['RegistryRead', 'RegistryWrite', 'ServiceConnect'],
  };
  const policies: AccessPolicy[] = [
    {
      name: 'iothubowner',
      key: randomKey(),
      rights: ['RegistryRead', 'RegistryWrite', 'ServiceConnect', 'DeviceConnect'],
    },
    servicePolicy,
    { name: 'device', key: randomKey(), rights: ['DeviceConnect'] },
    registryPolicy,
  ];
  const log = new HubEventLog({ partitionCount: options.partitions });
  const registry = new RegistryStore();
  const provisioning = localProvisioning();
  // Kept with --data, or else with the state (.fieldline for npm start), so a device or shell
  // that trusts the CA keeps trusting it across restarts.
  const certificates = await (options.keptIn
    ? loadOrCreateCertificates(path.join(options.keptIn, 'tls'))
    : processCertificates());
  const iotHub = await startIotHubServer(ports.iotHub ?? 0, {
    hostName: 'localhost',
    registry,
    log,
    policies,
    mqtt: { port: ports.mqtt ?? 0, certificates, log: options.log },
    https: {
      port: ports.iotHubHttps ?? 0,
      orElseFreePort: ports.iotHubHttps === standardHttpsPort,
      certificates,
    },
    ...(options.tier ? { tier: options.tier } : {}),
    provisioning: {
      idScope: provisioning.idScope,
      enrollments: provisioning.enrollments,
      policies: [provisioning.ownerPolicy, provisioning.enrollmentPolicy],
    },
  });
  return {
    iotHub,
    log,
    registry,
    certificates,
    servicePolicy,
    registryPolicy,
    gatewayHostName: `127.0.0.1:${iotHub.mqttPort}`,
    provisioning,
  };
}

/** The enrollments, with one symmetric-key group that any local device may provision through. */
function localProvisioning(): LocalProvisioning {
  const enrollments = new EnrollmentStore();
  const group = enrollments.putGroup(
    localEnrollmentGroupId,
    { enrollmentGroupId: localEnrollmentGroupId, attestation: { type: 'symmetricKey' } },
    undefined,
  );
  const primaryKey = group.attestation.symmetricKey.primaryKey;
  return {
    idScope: localIdScope,
    enrollments,
    ownerPolicy: {
      name: 'provisioningserviceowner',
      key: randomKey(),
      rights: [
        'EnrollmentRead',
        'EnrollmentWrite',
        'RegistrationStatusRead',
        'RegistrationStatusWrite',
      ],
    },
    enrollmentPolicy: {
      name: 'fieldline-enrollments',
      key: randomKey(),
      rights: ['EnrollmentRead', 'EnrollmentWrite'],
    },
    enrollmentGroup: { id: localEnrollmentGroupId, primaryKey },
  };
}

let processCertificatesOnce: Promise<LocalCertificates> | undefined;

/** With neither --data nor a state folder (tests), one CA per process, made once, removed at exit. */
function processCertificates(): Promise<LocalCertificates> {
  processCertificatesOnce ??= mkdtemp(path.join(os.tmpdir(), 'fieldline-tls-')).then((dir) => {
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    return loadOrCreateCertificates(dir);
  });
  return processCertificatesOnce;
}

/**
 * DPS as a device reaches it. The MQTT transport takes `host[:port]` (8883 when none); the HTTP
 * transport and the service client take a host alone and use 443, which the banner speaks for.
 */
export function describeProvisioning(hub: LocalHub): LocalEndpoints['provisioning'] {
  const { iotHub, provisioning } = hub;
  return {
    host:
      iotHub.mqttPort === standardMqttPort
        ? iotHub.hostName
        : `${iotHub.hostName}:${iotHub.mqttPort}`,
    idScope: provisioning.idScope,
    enrollmentGroup: provisioning.enrollmentGroup,
    connectionString: `HostName=${iotHub.hostName};SharedAccessKeyName=${provisioning.ownerPolicy.name};SharedAccessKey=${provisioning.ownerPolicy.key}`,
  };
}

/** The enrollment-group API's settings, as `pulumi up` sets them, pointing at the hub's door. */
export function provisioningSettings(hub: LocalHub): Record<string, string> {
  const { iotHub, provisioning } = hub;
  const policy = provisioning.enrollmentPolicy;
  return {
    [settingNames.dpsHostName]: iotHub.hostName,
    [settingNames.dpsEndpoint]: iotHub.url,
    [settingNames.dpsIdScope]: provisioning.idScope,
    [settingNames.dpsDeviceHost]: describeProvisioning(hub).host,
    [settingNames.dpsServiceConnection]: `HostName=${iotHub.hostName};SharedAccessKeyName=${policy.name};SharedAccessKey=${policy.key}`,
  };
}
