import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { type LocalCertificates, loadOrCreateCertificates } from '@fieldline/emulator-kit';
import {
  type FunctionHostOptions,
  type FunctionKeys,
  generateKeys,
  type HostJson,
  loadOrCreateKeys,
  type RunningFunctionHost,
  startFunctionHost,
} from '@fieldline/functions-host';
import {
  type AccessPolicy,
  HubEventLog,
  RegistryStore,
  type RunningIotHub,
  startIotHubServer,
} from '@fieldline/iothub-emulator';
import { type RunningMongo, startMongoServer } from '@fieldline/mongo-emulator';
import { type RunningSearch, startSearchServer } from '@fieldline/search-emulator';
import { type RunningSignalR, startSignalRServer } from '@fieldline/signalr-emulator';
import { buildDashboard } from '../dashboard/build';
import { contentSecurityPolicy } from '../dashboard/staticAssets';
import {
  containerNames,
  createFunctionDefinitions,
  createServices,
  loadConfig,
  settingNames,
} from '../functions/src/hosting';
import type { LocalEndpoints, LocalUser } from '../tools/localEndpoints';
import { type RunningAzurite, startAzurite } from './azurite';
import { type RunningDashboard, startDashboardServer } from './dashboardServer';
import { createHubEventFeed } from './hubEventFeed';
import {
  localAudience,
  localClients,
  type RunningLocalIdentity,
  startLocalIdentity,
} from './localIdentity';
import { type RegionNetwork, startRegionNetwork } from './network/regionNetwork';

/** IoT Hub's HTTPS port, the only one azure-iothub's Registry and the device HTTP transport use. */
export const standardHttpsPort = 443;

export interface LocalStackPorts {
  readonly api: number;
  readonly dashboard?: number;
  readonly iotHub: number;
  /** The hub's MQTT over TLS port (IoT Hub's own is 8883). */
  readonly mqtt?: number;
  /**
   * The hub's HTTPS port. At IoT Hub's own, 443, the official SDKs that cannot be given a port
   * (azure-iothub's Registry, the device HTTP transport) reach it as `localhost`; when 443 cannot
   * be had, a free port is used instead and `endpoints.iotHub.https.problem` says why.
   */
  readonly iotHubHttps?: number;
  readonly signalR: number;
  readonly identity?: number;
  readonly mongo?: number;
  readonly search?: number;
  readonly blob?: number;
  readonly queue?: number;
  readonly table?: number;
}

export interface LocalStackOptions {
  /** 0 (or absent) picks a free port. */
  readonly ports?: Partial<LocalStackPorts>;
  /** Keep Azurite's data here across restarts; in memory when absent. */
  readonly dataDir?: string;
  /** Where `keys.json` and `local.json` go; nothing is written when absent (keys are then fresh). */
  readonly stateDir?: string;
  readonly partitions?: number;
  readonly corsOrigins?: readonly string[];
  /** A real MongoDB server for the encounters feature; the in-memory stand-in starts when absent. */
  readonly mongodbUri?: string;
  /** How long `/api/health` reuses one round of probes; 30 s as in Azure when absent. */
  readonly healthCacheMs?: number;
  /** Extra or overriding app settings for the function app. */
  readonly settings?: Record<string, string>;
  /**
   * Put a region's network between the function app and storage, SignalR and MongoDB: each of
   * their requests takes this many more milliseconds there and back. Devices and browsers are
   * not delayed. For benchmarks (`npm run bench -- --rtt <ms>`).
   */
  readonly rttMs?: number;
  /** The SignalR stand-in delivers every upstream call this many times (a retrying service); 1 when absent. */
  readonly upstreamDeliveries?: number;
  /** Who can sign in to the local issuer; the standard local users when absent. */
  readonly users?: readonly LocalUser[];
  /**
   * Run the SignalR-triggered functions on this many instances (function hosts with their own
   * services, caches and connections), with upstream calls spread over them in turn, as Azure does
   * when it scales out. 1 when absent; for the rooms benchmark.
   */
  readonly upstreamInstances?: number;
  /** Called each time a room update loses a race and is recomputed; for the rooms benchmark. */
  readonly onRoomConflict?: () => void;
  readonly log?: (line: string) => void;
  /** Serve the dashboard: build it first, or serve an existing build. Off when absent. */
  readonly dashboard?: {
    readonly build: boolean;
    readonly stage?: string;
    readonly staleAfterSeconds?: number;
    readonly offlineAfterSeconds?: number;
  };
}

export interface LocalStack {
  readonly endpoints: LocalEndpoints;
  readonly azurite: RunningAzurite;
  readonly iotHub: RunningIotHub & { readonly log: HubEventLog; readonly registry: RegistryStore };
  readonly signalR: RunningSignalR;
  readonly identity: RunningLocalIdentity;
  /** The MongoDB stand-in; absent when a real server was given. */
  readonly mongo: RunningMongo | undefined;
  /** The search stand-in. */
  readonly search: RunningSearch;
  /** What the function app reaches the services through, with `rttMs`: a baseline can use it too. */
  readonly network: RegionNetwork | undefined;
  readonly host: RunningFunctionHost;
  readonly dashboard: RunningDashboard | undefined;
  readonly keys: FunctionKeys;
  /** Failures on demand, for the soak test: each part comes back on its own ports and data. */
  readonly faults: {
    /** Kills Azurite and starts it again after `downMs` (its data survives only with `dataDir`). */
    restartAzurite(downMs: number): Promise<void>;
    stopSignalR(): Promise<void>;
    startSignalR(): Promise<void>;
    /** Stops the function host and starts a new one, which goes on from the checkpoints. */
    restartHost(): Promise<void>;
  };
  stop(): Promise<void>;
}

const eventHubName = 'fieldline-local';
const repoRoot = path.resolve(__dirname, '..');

/**
 * Starts the local cloud: Azurite, the IoT Hub and SignalR stand-ins, and the function host
 * running fieldline's own function definitions against them. Stops what it started if any part
 * fails to start.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const log = options.log ?? ((line: string) => console.log(line));
  const ports = options.ports ?? {};
  const partitions = options.partitions ?? 4;
  const started: { stop(): Promise<void> }[] = [];
  try {
    const azuriteStarted = startAzurite({
      ...(ports.blob ? { blobPort: ports.blob } : {}),
      ...(ports.queue ? { queuePort: ports.queue } : {}),
      ...(ports.table ? { tablePort: ports.table } : {}),
      ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    });
    let azurite = await azuriteStarted;
    started.push({ stop: () => azurite.stop() });
    await uploadSampleProducts(azurite.connectionString);

    const policies: AccessPolicy[] = [
      {
        name: 'iothubowner',
        key: randomKey(),
        rights: ['RegistryRead', 'RegistryWrite', 'ServiceConnect', 'DeviceConnect'],
      },
      {
        name: 'fieldline-local',
        key: randomKey(),
        rights: ['RegistryRead', 'RegistryWrite', 'ServiceConnect'],
      },
      { name: 'device', key: randomKey(), rights: ['DeviceConnect'] },
      // What the gateway's registration uses, like fieldline-registry in Azure.
      { name: 'fieldline-registry', key: randomKey(), rights: ['RegistryRead', 'RegistryWrite'] },
    ];
    const hubLog = new HubEventLog({ partitionCount: partitions });
    const registry = new RegistryStore();
    // Kept with --data, or else with the state (.fieldline for npm start), so a device or shell
    // that trusts the CA keeps trusting it across restarts.
    const keptIn = options.dataDir ?? options.stateDir;
    const certificates = await (keptIn
      ? loadOrCreateCertificates(path.join(keptIn, 'tls'))
      : processCertificates());
    const iotHub = await startIotHubServer(ports.iotHub ?? 0, {
      hostName: 'localhost',
      registry,
      log: hubLog,
      policies,
      mqtt: { port: ports.mqtt ?? 0, certificates, log },
      https: {
        port: ports.iotHubHttps ?? 0,
        orElseFreePort: ports.iotHubHttps === standardHttpsPort,
        certificates,
      },
    });
    const gatewayHostName = `127.0.0.1:${iotHub.mqttPort}`;
    started.push(iotHub);

    // Upstream, as `pulumi up` configures it: the SignalR extension's webhook, with its system key.
    const upstreamUrls: string[] = [];
    let upstreamTurn = 0;
    const signalROptions = {
      upstream: () => upstreamUrls[upstreamTurn++ % Math.max(1, upstreamUrls.length)],
      ...(options.upstreamDeliveries ? { upstreamDeliveries: options.upstreamDeliveries } : {}),
    };
    let signalR = await startSignalRServer(ports.signalR ?? 0, signalROptions);
    started.push({ stop: () => signalR.stop() });

    const identity = await startLocalIdentity({
      port: ports.identity ?? 0,
      // Kept with --data, so tokens and signed-in dashboards survive a restart.
      ...(options.dataDir ? { keyFile: path.join(options.dataDir, 'identity-key.json') } : {}),
      clients: localClients(),
      ...(options.users ? { users: options.users } : {}),
    });
    started.push(identity);

    const search = await startSearchServer(ports.search ?? 0);
    started.push(search);
    const mongo = options.mongodbUri ? undefined : await startMongoServer(ports.mongo ?? 0);
    if (mongo) started.push(mongo);
    const mongodbUri = options.mongodbUri ?? (mongo as RunningMongo).uri;
    // What the function app is given: the same services, across the network when one is asked for.
    const network = options.rttMs === undefined ? undefined : startRegionNetwork(options.rttMs);
    if (network) started.push(network);
    const appEndpoints = network
      ? {
          storage: await network.storage(azurite),
          signalR: `Endpoint=http://127.0.0.1:${await network.route(signalR.port, 'http')};AccessKey=${signalR.accessKey};Version=1.0;`,
          mongodbUri: mongo
            ? mongodbUri.replace(
                `:${mongo.port}/`,
                `:${await network.route(mongo.port, 'mongodb')}/`,
              )
            : mongodbUri,
        }
      : { storage: azurite.connectionString, signalR: signalR.connectionString, mongodbUri };
    const twilioAuthToken = randomKey();

    // The dashboard starts before the host so that CORS can name its origin; its config.json is
    // read per request, by which time the API's port is known.
    let apiBaseUrl = '';
    let dashboard: RunningDashboard | undefined;
    if (options.dashboard) {
      const {
        stage = 'local',
        staleAfterSeconds = 30,
        offlineAfterSeconds = 120,
      } = options.dashboard;
      const root = options.dashboard.build
        ? await buildDashboard(repoRoot)
        : path.join(repoRoot, 'dist/dashboard');
      dashboard = await startDashboardServer(ports.dashboard ?? 0, {
        root,
        contentSecurityPolicy: () =>
          contentSecurityPolicy({
            apiBaseUrl,
            signalR: signalR.endpoint,
            authority: identity.issuer,
          }),
        config: () => ({
          apiBaseUrl,
          stage,
          staleAfterSeconds,
          offlineAfterSeconds,
          auth: {
            authority: identity.issuer,
            clientId: identity.identity.dashboardClientId,
            scopes: identity.identity.scopes,
          },
        }),
      });
      started.push(dashboard);
    }

    const keys = options.stateDir
      ? await loadOrCreateKeys(path.join(options.stateDir, 'keys.json'))
      : generateKeys();
    const servicePolicy = policies[1] as AccessPolicy;
    const registryPolicy = policies[3] as AccessPolicy;
    const settings: Record<string, string> = {
      [settingNames.dataStorage]: appEndpoints.storage,
      [settingNames.iotHubEventHub]: `Endpoint=sb://${iotHub.hostName}/;SharedAccessKeyName=${servicePolicy.name};SharedAccessKey=${servicePolicy.key};EntityPath=${eventHubName}`,
      [settingNames.iotHubEventHubName]: eventHubName,
      [settingNames.signalR]: appEndpoints.signalR,
      [settingNames.iotHubHostName]: iotHub.hostName,
      [settingNames.iotHubEndpoint]: iotHub.url,
      [settingNames.iotHubGatewayHostName]: gatewayHostName,
      [settingNames.iotHubRegistryConnection]: `HostName=${iotHub.hostName};SharedAccessKeyName=${registryPolicy.name};SharedAccessKey=${registryPolicy.key}`,
      [settingNames.mongodbUri]: appEndpoints.mongodbUri,
      [settingNames.searchEndpoint]: search.endpoint,
      [settingNames.searchApiKey]: search.apiKey,
      [settingNames.smsMode]: 'outbox',
      [settingNames.twilioAuthToken]: twilioAuthToken,
      [settingNames.authIssuer]: identity.issuer,
      [settingNames.authAudience]: localAudience,
      ...options.settings,
    };
    const services = createServices(loadConfig(settings), {
      eventFeed: createHubEventFeed(hubLog),
      ...(options.healthCacheMs === undefined ? {} : { healthCacheMs: options.healthCacheMs }),
      ...(options.onRoomConflict ? { onRoomConflict: options.onRoomConflict } : {}),
    });
    // Stopped after the host (parts stop in reverse), so no invocation is left mid-query.
    started.push({ stop: () => services.close() });
    const definitions = createFunctionDefinitions(services);
    const hostJson = JSON.parse(
      await readFile(path.join(repoRoot, 'functions/host.json'), 'utf8'),
    ) as HostJson;
    const checkpoints = new Map<string, number>();
    const hostOptions: FunctionHostOptions = {
      definitions,
      settings,
      keys,
      ...(services.authenticate ? { authenticate: services.authenticate } : {}),
      port: ports.api ?? 0,
      corsOrigins: options.corsOrigins ?? (dashboard ? [dashboard.url.replace(/\/$/, '')] : ['*']),
      eventHubs: (connection, name) =>
        connection === settingNames.iotHubEventHub && name === eventHubName ? hubLog : undefined,
      hostJson,
      log,
      checkpoints,
    };
    let host = await startFunctionHost(hostOptions);
    started.push({ stop: () => host.stop() });
    apiBaseUrl = `${host.baseUrl}/api`;
    const webhook = (baseUrl: string) =>
      `${baseUrl}/runtime/webhooks/signalr?code=${keys.systemKeys.signalr_extension}`;
    for (let instance = 1; instance < (options.upstreamInstances ?? 1); instance++) {
      const more = createServices(loadConfig(settings), {
        ...(options.onRoomConflict ? { onRoomConflict: options.onRoomConflict } : {}),
      });
      started.push({ stop: () => more.close() });
      const extra = await startFunctionHost({
        ...hostOptions,
        definitions: createFunctionDefinitions(more).filter((d) => d.kind === 'signalR'),
        port: 0,
      });
      started.push(extra);
      upstreamUrls.push(webhook(extra.baseUrl));
    }
    upstreamUrls.push(webhook(host.baseUrl));
    // As the Azure entry point does: MongoDB's and the search index now, not on first use.
    services
      .prepare()
      .catch((error: unknown) => log(`MongoDB or search is not reachable yet: ${String(error)}`));

    const endpoints: LocalEndpoints = {
      apiBaseUrl,
      dashboardUrl: dashboard?.url ?? null,
      iotHub: {
        hostName: iotHub.hostName,
        url: iotHub.url,
        connectionString: `HostName=${iotHub.hostName};SharedAccessKeyName=${servicePolicy.name};SharedAccessKey=${servicePolicy.key}`,
        eventHubName,
        partitions,
        caPath: certificates.caPath,
        mqtt: { port: iotHub.mqttPort ?? 0, gatewayHostName },
        https: iotHub.https ?? { port: 0 },
      },
      storage: { connectionString: azurite.connectionString },
      signalR: { endpoint: signalR.endpoint, connectionString: signalR.connectionString },
      functions: { masterKey: keys.masterKey },
      identity: identity.identity,
      mongodbUri,
      search: { endpoint: search.endpoint, apiKey: search.apiKey },
      sms: { mode: 'outbox', twilioAuthToken },
    };
    if (options.stateDir) {
      await mkdir(options.stateDir, { recursive: true });
      await writeFile(
        path.join(options.stateDir, 'local.json'),
        `${JSON.stringify(endpoints, null, 2)}\n`,
        { mode: 0o600 },
      );
    }
    const faults: LocalStack['faults'] = {
      async restartAzurite(downMs) {
        const { blobPort, queuePort, tablePort } = azurite;
        await azurite.stop();
        await new Promise((resolve) => setTimeout(resolve, downMs));
        azurite = await startAzurite({
          blobPort,
          queuePort,
          tablePort,
          ...(options.dataDir ? { dataDir: options.dataDir } : {}),
        });
      },
      stopSignalR: () => signalR.stop(),
      async startSignalR() {
        signalR = await startSignalRServer(signalR.port, {
          ...signalROptions,
          accessKey: signalR.accessKey,
        });
      },
      async restartHost() {
        await host.stop();
        host = await startFunctionHost({ ...hostOptions, port: host.port });
      },
    };
    return {
      endpoints,
      get azurite() {
        return azurite;
      },
      iotHub: { ...iotHub, log: hubLog, registry },
      get signalR() {
        return signalR;
      },
      identity,
      mongo,
      search,
      network,
      get host() {
        return host;
      },
      dashboard,
      keys,
      faults,
      stop: () => stopAll(started),
    };
  } catch (error) {
    await stopAll(started);
    throw error;
  }
}

/** Product reference data for the analytics feature, as `reference/products.json` holds it in Azure. */
async function uploadSampleProducts(connectionString: string): Promise<void> {
  const container = BlobServiceClient.fromConnectionString(connectionString).getContainerClient(
    containerNames.reference,
  );
  await container.createIfNotExists();
  const blob = container.getBlockBlobClient('products.json');
  if (await blob.exists()) return; // a --data store keeps what the user uploaded
  const products = await readFile(path.join(__dirname, 'sampleProducts.json'));
  await blob.uploadData(products, { blobHTTPHeaders: { blobContentType: 'application/json' } });
}

async function stopAll(parts: { stop(): Promise<void> }[]): Promise<void> {
  for (const part of [...parts].reverse()) await part.stop().catch(() => undefined);
}

function randomKey(): string {
  return randomBytes(32).toString('base64');
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
