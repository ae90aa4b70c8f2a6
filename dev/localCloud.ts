import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import {
  type FunctionKeys,
  generateKeys,
  loadOrCreateKeys,
  startFunctionHost,
} from '@fieldline/functions-host';
import { type RunningMongo, startMongoServer } from '@fieldline/mongo-emulator';
import { type RunningSearch, startSearchServer } from '@fieldline/search-emulator';
import { type RunningSignalR, startSignalRServer } from '@fieldline/signalr-emulator';
import { buildDashboard } from '../dashboard/build';
import { contentSecurityPolicy } from '../dashboard/staticAssets';
import { containerNames, settingNames } from '../functions/src/hosting';
import type { LocalEndpoints } from '../tools/localEndpoints';
import { type RunningAzurite, startAzurite } from './azurite';
import { type RunningDashboard, startDashboardServer } from './dashboardServer';
import { createHubEventFeed } from './hubEventFeed';
import type { LocalCloud, LocalCloudOptions } from './localCloudOptions';
import { startLocalFunctionApp } from './localFunctionApp';
import {
  describeProvisioning,
  type LocalHub,
  provisioningSettings,
  randomKey,
  startLocalHub,
} from './localHub';
import {
  localAudience,
  localClients,
  type RunningLocalIdentity,
  startLocalIdentity,
} from './localIdentity';
import { type RegionNetwork, startRegionNetwork } from './network/regionNetwork';

export * from './localCloudOptions';

const eventHubName = 'fieldline-local';
const repoRoot = path.resolve(__dirname, '..');

/**
 * Starts the local cloud: Azurite, the IoT Hub, SignalR, MongoDB, search and identity emulators,
 * and the function host running fieldline's own function definitions against them. Stops what it
 * started if any part fails to start.
 */
export async function startLocalCloud(options: LocalCloudOptions = {}): Promise<LocalCloud> {
  const log = options.log ?? ((line: string) => console.log(line));
  const ports = options.ports ?? {};
  const partitions = options.partitions ?? 4;
  const started: { stop(): Promise<void> }[] = [];
  try {
    const azuriteOptions = {
      ...(ports.blob ? { blobPort: ports.blob } : {}),
      ...(ports.queue ? { queuePort: ports.queue } : {}),
      ...(ports.table ? { tablePort: ports.table } : {}),
      ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    };
    let azurite = await startAzurite(azuriteOptions);
    started.push({ stop: () => azurite.stop() });
    await uploadSampleProducts(azurite.connectionString);

    const keptIn = options.dataDir ?? options.stateDir;
    const hub = await startLocalHub({ ports, partitions, keptIn, log, tier: options.hubTier });
    const { iotHub } = hub;
    started.push(iotHub);

    // Upstream, as `pulumi up` configures it: the SignalR extension's webhook, with its system key.
    const upstreamUrls: string[] = [];
    const signalROptions = {
      upstream: inTurn(upstreamUrls),
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
    const appEndpoints = await appFacing({ network, azurite, signalR, mongo, mongodbUri });
    const twilioAuthToken = randomKey();

    // The dashboard starts before the host so that CORS can name its origin; its config.json is
    // read per request, by which time the API's port is known.
    let apiBaseUrl = '';
    const dashboard = options.dashboard
      ? await startLocalDashboard(options.dashboard, ports.dashboard ?? 0, () => ({
          apiBaseUrl,
          signalR: signalR.endpoint,
          authority: identity.issuer,
          clientId: identity.identity.dashboardClientId,
          scopes: identity.identity.scopes,
        }))
      : undefined;
    if (dashboard) started.push(dashboard);

    const keys = options.stateDir
      ? await loadOrCreateKeys(path.join(options.stateDir, 'keys.json'))
      : generateKeys();
    const settings = appSettings({
      hub,
      search,
      appEndpoints,
      twilioAuthToken,
      identity,
      extra: options.settings,
    });
    const app = await startLocalFunctionApp({
      settings,
      events: { eventHubName, source: hub.log },
      eventFeed: createHubEventFeed(hub.log),
      keys,
      port: ports.api ?? 0,
      corsOrigins: options.corsOrigins ?? (dashboard ? [dashboard.url.replace(/\/$/, '')] : ['*']),
      repoRoot,
      log,
      started,
      ...(options.healthCacheMs === undefined ? {} : { healthCacheMs: options.healthCacheMs }),
      ...(options.onRoomConflict ? { onRoomConflict: options.onRoomConflict } : {}),
      ...(options.upstreamInstances ? { upstreamInstances: options.upstreamInstances } : {}),
    });
    apiBaseUrl = `${app.host.baseUrl}/api`;
    upstreamUrls.push(...app.upstreamUrls);

    const endpoints = describeEndpoints({
      apiBaseUrl,
      dashboard,
      hub,
      partitions,
      storage: azurite.connectionString,
      signalR,
      keys,
      identity,
      mongodbUri,
      search,
      twilioAuthToken,
    });
    if (options.stateDir) await writeLocalJson(options.stateDir, endpoints);
    const faults: LocalCloud['faults'] = {
      async restartAzurite(downMs) {
        const { blobPort, queuePort, tablePort } = azurite;
        await azurite.stop();
        await new Promise((resolve) => setTimeout(resolve, downMs));
        azurite = await startAzurite({ ...azuriteOptions, blobPort, queuePort, tablePort });
      },
      stopSignalR: () => signalR.stop(),
      async startSignalR() {
        const { port, accessKey } = signalR;
        signalR = await startSignalRServer(port, { ...signalROptions, accessKey });
      },
      async restartHost() {
        await app.host.stop();
        app.host = await startFunctionHost({ ...app.hostOptions, port: app.host.port });
      },
    };
    return {
      endpoints,
      get azurite() {
        return azurite;
      },
      iotHub: { ...iotHub, log: hub.log, registry: hub.registry },
      get signalR() {
        return signalR;
      },
      identity,
      mongo,
      search,
      network,
      get host() {
        return app.host;
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

/** The services as the function app reaches them: across the region network when there is one. */
async function appFacing(parts: {
  readonly network: RegionNetwork | undefined;
  readonly azurite: RunningAzurite;
  readonly signalR: RunningSignalR;
  readonly mongo: RunningMongo | undefined;
  readonly mongodbUri: string;
}): Promise<{ storage: string; signalR: string; mongodbUri: string }> {
  const { network, azurite, signalR, mongo, mongodbUri } = parts;
  if (!network)
    return { storage: azurite.connectionString, signalR: signalR.connectionString, mongodbUri };
  return {
    storage: await network.storage(azurite),
    signalR: `Endpoint=http://127.0.0.1:${await network.route(signalR.port, 'http')};AccessKey=${signalR.accessKey};Version=1.0;`,
    mongodbUri: mongo
      ? mongodbUri.replace(`:${mongo.port}/`, `:${await network.route(mongo.port, 'mongodb')}/`)
      : mongodbUri,
  };
}

/** The function app's settings, as `pulumi up` sets them in Azure, pointing at the emulators. */
function appSettings(parts: {
  readonly hub: LocalHub;
  readonly search: RunningSearch;
  readonly appEndpoints: { storage: string; signalR: string; mongodbUri: string };
  readonly twilioAuthToken: string;
  readonly identity: RunningLocalIdentity;
  readonly extra: Record<string, string> | undefined;
}): Record<string, string> {
  const { iotHub, servicePolicy, registryPolicy } = parts.hub;
  return {
    [settingNames.dataStorage]: parts.appEndpoints.storage,
    [settingNames.iotHubEventHub]: `Endpoint=sb://${iotHub.hostName}/;SharedAccessKeyName=${servicePolicy.name};SharedAccessKey=${servicePolicy.key};EntityPath=${eventHubName}`,
    [settingNames.iotHubEventHubName]: eventHubName,
    [settingNames.signalR]: parts.appEndpoints.signalR,
    [settingNames.iotHubHostName]: iotHub.hostName,
    [settingNames.iotHubEndpoint]: iotHub.url,
    [settingNames.iotHubGatewayHostName]: parts.hub.gatewayHostName,
    [settingNames.iotHubRegistryConnection]: `HostName=${iotHub.hostName};SharedAccessKeyName=${registryPolicy.name};SharedAccessKey=${registryPolicy.key}`,
    ...provisioningSettings(parts.hub),
    [settingNames.mongodbUri]: parts.appEndpoints.mongodbUri,
    [settingNames.searchEndpoint]: parts.search.endpoint,
    [settingNames.searchApiKey]: parts.search.apiKey,
    [settingNames.smsMode]: 'outbox',
    [settingNames.twilioAuthToken]: parts.twilioAuthToken,
    [settingNames.authIssuer]: parts.identity.issuer,
    [settingNames.authAudience]: localAudience,
    ...parts.extra,
  };
}

/** What `.fieldline/local.json` says: every endpoint and key a tool needs. */
function describeEndpoints(parts: {
  readonly apiBaseUrl: string;
  readonly dashboard: RunningDashboard | undefined;
  readonly hub: LocalHub;
  readonly partitions: number;
  readonly storage: string;
  readonly signalR: RunningSignalR;
  readonly keys: FunctionKeys;
  readonly identity: RunningLocalIdentity;
  readonly mongodbUri: string;
  readonly search: RunningSearch;
  readonly twilioAuthToken: string;
}): LocalEndpoints {
  const { iotHub, servicePolicy } = parts.hub;
  return {
    apiBaseUrl: parts.apiBaseUrl,
    dashboardUrl: parts.dashboard?.url ?? null,
    iotHub: {
      hostName: iotHub.hostName,
      url: iotHub.url,
      connectionString: `HostName=${iotHub.hostName};SharedAccessKeyName=${servicePolicy.name};SharedAccessKey=${servicePolicy.key}`,
      eventHubName,
      partitions: parts.partitions,
      caPath: parts.hub.certificates.caPath,
      mqtt: { port: iotHub.mqttPort ?? 0, gatewayHostName: parts.hub.gatewayHostName },
      https: iotHub.https ?? { port: 0 },
    },
    provisioning: describeProvisioning(parts.hub),
    storage: { connectionString: parts.storage },
    signalR: { endpoint: parts.signalR.endpoint, connectionString: parts.signalR.connectionString },
    functions: { masterKey: parts.keys.masterKey },
    identity: parts.identity.identity,
    mongodbUri: parts.mongodbUri,
    search: { endpoint: parts.search.endpoint, apiKey: parts.search.apiKey },
    sms: { mode: 'outbox', twilioAuthToken: parts.twilioAuthToken },
  };
}

async function writeLocalJson(stateDir: string, endpoints: LocalEndpoints): Promise<void> {
  await mkdir(stateDir, { recursive: true });
  await writeFile(path.join(stateDir, 'local.json'), `${JSON.stringify(endpoints, null, 2)}\n`, {
    mode: 0o600,
  });
}

/** The operators' dashboard, built or as built, with its config.json and CSP read per request. */
async function startLocalDashboard(
  options: NonNullable<LocalCloudOptions['dashboard']>,
  port: number,
  current: () => {
    apiBaseUrl: string;
    signalR: string;
    authority: string;
    clientId: string;
    scopes: readonly string[];
  },
): Promise<RunningDashboard> {
  const { stage = 'local', staleAfterSeconds = 30, offlineAfterSeconds = 120 } = options;
  const root = options.build
    ? await buildDashboard(repoRoot)
    : path.join(repoRoot, 'dist/dashboard');
  return startDashboardServer(port, {
    root,
    contentSecurityPolicy: () => {
      const { apiBaseUrl, signalR, authority } = current();
      return contentSecurityPolicy({ apiBaseUrl, signalR, authority });
    },
    config: () => {
      const { apiBaseUrl, authority, clientId, scopes } = current();
      return {
        apiBaseUrl,
        stage,
        staleAfterSeconds,
        offlineAfterSeconds,
        auth: { authority, clientId, scopes },
      };
    },
  });
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

/** Each of `urls` in turn, as the service spreads upstream calls over a scaled-out app. */
function inTurn(urls: readonly string[]): () => string | undefined {
  let turn = 0;
  return () => urls[turn++ % Math.max(1, urls.length)];
}

async function stopAll(parts: { stop(): Promise<void> }[]): Promise<void> {
  for (const part of [...parts].reverse()) await part.stop().catch(() => undefined);
}
