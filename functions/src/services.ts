import { createProductAnalytics, type ProductAnalytics } from './analytics/productAnalytics';
import { ProductCatalog } from './analytics/productCatalog';
import { ProductCounterStore } from './analytics/productCounterStore';
import type { CatalogSearch } from './catalog/catalogSearch';
import { CatalogStore } from './catalog/catalogStore';
import { DeviceActivityStore } from './devices/deviceActivityStore';
import { createDeviceJobs, type DeviceJobs } from './devices/deviceJobs';
import { createDeviceTwins, type DeviceTwins } from './devices/deviceTwins';
import { encounterIndexes } from './encounters/encounterIndexes';
import type { EncounterServices } from './encounters/encounterServices';
import { SmsOutbox } from './encounters/smsOutbox';
import { AlarmRuleStore, createThresholdRuleResolver } from './fleet/alarmRuleStore';
import { AlarmStore } from './fleet/alarmStore';
import { type AlarmWebhookPayload, createAlarmWebhookSender } from './fleet/alarmWebhook';
import { DeviceTagStore } from './fleet/deviceTagStore';
import type { AlarmWebhook } from './fleet/fleetDeps';
import { createDeviceMessageProxy, type DeviceMessageProxy } from './gateway/deviceMessageProxy';
import { createDeviceRegistry, type DeviceRegistry } from './gateway/deviceRegistry';
import type { EventFeedSource } from './gateway/eventFeed';
import { createEventHubsFeed } from './gateway/eventHubsFeed';
import { createHubAuthorization } from './gateway/iotHubRest';
import type { HealthDeps } from './health/health.function';
import { lazy } from './host/lazy';
import { type Authenticate, createTokenVerifier } from './identity/tokenVerifier';
import { ModelStore } from './models/modelStore';
import { createRetention, type Retention } from './operations/retention';
import { createClientAccess, type IssueClientAccess } from './realtime/clientAccess';
import { createRealtimeDelivery, type RealtimeDelivery } from './realtime/realtimeDelivery';
import { roomIndexes } from './rooms/roomIndexes';
import type { RoomService } from './rooms/roomService';
import type { AppConfig } from './settings/config';
import { consumerGroups, containerNames, queueNames, tableNames } from './settings/settingNames';
import { createBlobClientFactory } from './storage/blobClientFactory';
import { DeadLetterStore } from './storage/deadLetterStore';
import { createMongoDatabase } from './storage/mongoDatabase';
import { createQueueClientFactory } from './storage/queueClientFactory';
import {
  createTableClientFactory,
  type TableClientFactoryOptions,
} from './storage/tableClientFactory';
import { CalibrationStore } from './telemetry/calibrationStore';
import { DeviceStateStore } from './telemetry/deviceStateStore';
import { RejectionStore } from './telemetry/rejectionStore';
import { createTelemetryIngestor, type TelemetryIngestor } from './telemetry/telemetryIngestor';

export interface Services {
  readonly deviceStates: DeviceStateStore;
  readonly calibrations: CalibrationStore;
  readonly rejections: RejectionStore;
  /** Alarm rules, alarms and device groups. */
  readonly fleet: {
    readonly rules: AlarmRuleStore;
    readonly alarms: AlarmStore;
    readonly tags: DeviceTagStore;
    readonly historyRetentionDays: number;
    /** Present when the stage sets ALARM_WEBHOOK_URL. */
    readonly webhook?: AlarmWebhook;
  };
  /** Events the hub-triggered functions set aside (see `isolatePermanentFailures`). */
  readonly deadLetters: DeadLetterStore;
  /** Deletes what is older than RETENTION_DAYS, bounded per run. */
  readonly retention: Retention;
  readonly ingestor: TelemetryIngestor;
  readonly analytics: ProductAnalytics;
  /** Loaded on first use; absent when MONGODB_URI is not set, or the feature's settings are wrong. */
  readonly encounters?: () => Promise<EncounterServices>;
  /** Collaborative rooms, loaded on first use; absent when MONGODB_URI is not set or wrong. */
  readonly rooms?: () => Promise<RoomService>;
  /**
   * The track catalog (MongoDB) and its search index (Azure AI Search, its code and SDK loaded on
   * first use); each absent without its setting.
   */
  readonly catalog: {
    readonly store?: CatalogStore;
    readonly search?: () => Promise<CatalogSearch>;
  };
  /**
   * What the app prepares as it starts rather than on first use: MongoDB's connection and indexes,
   * and the search index's definition (created or updated, idempotently).
   */
  prepare(): Promise<void>;
  /** Validates bearer tokens; absent when AUTH_ISSUER is not set, and then protected calls get 503. */
  readonly authenticate?: Authenticate;
  /** Client tokens for SignalR, minted after the caller's token is validated. */
  readonly clientAccess: IssueClientAccess;
  /** Best-effort sends to SignalR clients. */
  readonly realtime: RealtimeDelivery;
  /** Features switched off by bad settings, with the problems (see `loadConfig`). */
  readonly misconfigured: AppConfig['misconfigured'];
  /** Releases connections held across invocations, for hosts that stop; Azure's never does. */
  close(): Promise<void>;
  /** The settings everything here was built from. */
  readonly config: AppConfig;
  /** For how long one round of `/api/health` probes answers; each feature names its own probes. */
  readonly health: Omit<HealthDeps, 'probes'>;
  /** Device models (DTDL interfaces). */
  readonly models: ModelStore;
  /** Devices you talk back to: twins, commands and jobs through the hub, and the audit. */
  readonly devices: {
    /** Twins and direct methods through the hub's service API. */
    readonly twins?: DeviceTwins;
    /** Jobs over many devices, through the hub's job engine. */
    readonly jobs?: DeviceJobs;
    /** Who did what to each device: desired changes, commands, jobs. */
    readonly activity: DeviceActivityStore;
  };
  readonly gateway: {
    readonly registry?: DeviceRegistry;
    readonly proxy?: DeviceMessageProxy;
    readonly feed?: EventFeedSource;
    /** Removes a device's rows from every table that keeps them: how many went. */
    readonly eraseDeviceData: (deviceId: string) => Promise<number>;
  };
}

/** The functions that dead-letter events, by name; each has its own partition of `deadletters`. */
export const deadLetteringFunctions = [
  'ingestTelemetry',
  'analyticsEvents',
  'encounterMatcher',
  'alarmWebhook',
] as const;

export interface ServiceOptions {
  readonly tables?: TableClientFactoryOptions;
  /** The pull feed's source; by default `@azure/event-hubs` on the built-in endpoint. */
  readonly eventFeed?: EventFeedSource;
  /** How long `/api/health` reuses one round of probes; 30 s by default. */
  readonly healthCacheMs?: number;
  /** Replaces the SignalR REST delivery (tests record what would be sent). */
  readonly realtime?: RealtimeDelivery;
  /** Hourly rollups on (the default) or off: off only for the benchmark's baseline. */
  readonly rollups?: boolean;
  /** Called each time a room update loses a race and is recomputed; for the rooms benchmark. */
  readonly onRoomConflict?: () => void;
}

/** The composition root: builds every store and core from validated config. No I/O happens here. */
export function createServices(config: AppConfig, options: ServiceOptions = {}): Services {
  const table = createTableClientFactory(config.storage, options.tables);
  const deviceStates = new DeviceStateStore({
    table: table(tableNames.deviceState),
    historyLength: config.telemetry.historyLength,
    ...(options.rollups === undefined ? {} : { rollups: options.rollups }),
  });
  const calibrations = new CalibrationStore({
    table: table(tableNames.calibration),
    cacheTtlMs: config.telemetry.calibrationCacheMs,
  });
  const rejections = new RejectionStore(table(tableNames.rejections));
  const deadLetters = new DeadLetterStore(table(tableNames.deadLetters), deadLetteringFunctions);
  const fleet = createFleetStores(config, table);
  const ingestor = createTelemetryIngestor({
    deviceStates,
    calibrations,
    rejections,
    alarmRules: createThresholdRuleResolver(fleet.rules, fleet.tags),
    limits: { maxMessageBytes: config.telemetry.maxMessageBytes, maxReadingsPerMessage: 100 },
  });
  const blob = createBlobClientFactory(config.storage);
  const counters = new ProductCounterStore(table(tableNames.productMinutes));
  const analytics = createProductAnalytics({
    counters,
    catalog: new ProductCatalog(() => blob(containerNames.reference, 'products.json'), {
      refreshMs: config.analytics.referenceRefreshMs,
    }),
  });
  const { gateway } = config;
  const feed =
    options.eventFeed ??
    (gateway?.eventHub
      ? createEventHubsFeed({
          connectionString: gateway.eventHub.connectionString,
          eventHubName: gateway.eventHub.name,
          consumerGroup: consumerGroups.feed,
        })
      : undefined);
  // One client per worker, shared by the features that use MongoDB.
  const mongodbUri = config.encounters?.mongodbUri ?? config.rooms?.mongodbUri;
  const database = mongodbUri
    ? createMongoDatabase(mongodbUri, { ...encounterIndexes, ...roomIndexes })
    : undefined;
  const encounterConfig = config.encounters;
  const encounters =
    encounterConfig && database
      ? lazy(async () => {
          const { createEncounterServices } = await import('./encounters/encounterServices.js');
          return createEncounterServices(encounterConfig, config.storage, table, database);
        })
      : undefined;
  const realtime = options.realtime ?? createRealtimeDelivery(config.realtime);
  const searchConfig = config.search;
  const catalogSearch = searchConfig
    ? lazy(async () => {
        const { createCatalogSearch } = await import('./catalog/catalogSearch.js');
        return createCatalogSearch(searchConfig);
      })
    : undefined;
  const catalogStore = database ? new CatalogStore(database) : undefined;
  const rooms =
    config.rooms && database
      ? lazy(async () => {
          const [{ createRoomService }, { RoomStore }, { RoomPeople }] = await Promise.all([
            import('./rooms/roomService.js'),
            import('./rooms/roomStore.js'),
            import('./rooms/roomPeople.js'),
          ]);
          return createRoomService({
            rooms: new RoomStore(database, {
              ...(options.onRoomConflict ? { onConflict: options.onRoomConflict } : {}),
            }),
            people: new RoomPeople(database),
            realtime,
            catalog: catalogStore,
          });
        })
      : undefined;
  const { registry, twins, jobs } = createHubClients(gateway);
  const activity = new DeviceActivityStore(table(tableNames.deviceActivity));
  return {
    deviceStates,
    calibrations,
    rejections,
    fleet,
    deadLetters,
    retention: createRetention({
      stores: {
        rejections,
        productminutes: counters,
        // Outbox rows age out whichever SMS mode the stage is in now.
        smsoutbox: new SmsOutbox(table(tableNames.smsOutbox)),
        deadletters: deadLetters,
        // Finished hours of history and cleared alarms, kept in devicestate beside the states.
        devicestate: { store: deviceStates, retentionDays: config.fleet.historyRetentionDays },
        // Who did what to a device: kept as long as its history.
        deviceactivity: { store: activity, retentionDays: config.fleet.historyRetentionDays },
      },
      retentionDays: config.retentionDays,
    }),
    ingestor,
    analytics,
    ...(encounters ? { encounters } : {}),
    ...(rooms ? { rooms } : {}),
    catalog: {
      ...(catalogStore ? { store: catalogStore } : {}),
      ...(catalogSearch ? { search: catalogSearch } : {}),
    },
    prepare: async () => {
      await Promise.all([database?.(), catalogSearch?.().then((search) => search.ensureIndex())]);
    },
    ...(config.identity ? { authenticate: createTokenVerifier(config.identity) } : {}),
    clientAccess: createClientAccess(config.realtime),
    realtime,
    misconfigured: config.misconfigured,
    config,
    health: {
      misconfigured: config.misconfigured,
      ...(options.healthCacheMs === undefined ? {} : { cacheMs: options.healthCacheMs }),
    },
    close: async () => {
      await database?.close();
    },
    models: new ModelStore(table(tableNames.models)),
    devices: {
      ...(twins ? { twins } : {}),
      ...(jobs ? { jobs } : {}),
      activity,
    },
    gateway: {
      ...(registry ? { registry } : {}),
      eraseDeviceData: async (deviceId: string) => {
        const [rows] = await Promise.all([
          deviceStates.erase(deviceId),
          calibrations.remove(deviceId),
          fleet.tags.put(deviceId, []),
        ]);
        return rows;
      },
      ...(gateway ? { proxy: createDeviceMessageProxy({ gateway }) } : {}),
      ...(feed ? { feed } : {}),
    },
  };
}

/** The hub's service API clients, sharing one authorization; none without the gateway's settings. */
function createHubClients(gateway: AppConfig['gateway']) {
  if (!gateway) return {};
  const authorization = createHubAuthorization(gateway);
  return {
    registry: createDeviceRegistry({ gateway, authorization }),
    twins: createDeviceTwins({ gateway, authorization }),
    jobs: createDeviceJobs({ gateway, authorization }),
  };
}

/** Alarm rules, alarms, device tags, and the alarm webhook's queue and sender when the stage has one. */
function createFleetStores(
  config: AppConfig,
  table: ReturnType<typeof createTableClientFactory>,
): Services['fleet'] {
  const webhookConfig = config.fleet.webhook;
  const webhookQueue = createQueueClientFactory(config.storage);
  return {
    ...(webhookConfig
      ? {
          webhook: {
            // Base64, the encoding host.json tells the queue trigger to expect.
            enqueue: async (payloads: readonly AlarmWebhookPayload[]) => {
              const queue = await webhookQueue(queueNames.alarmWebhook);
              for (const payload of payloads)
                await queue.sendMessage(Buffer.from(JSON.stringify(payload)).toString('base64'));
            },
            deliver: createAlarmWebhookSender(webhookConfig),
          },
        }
      : {}),
    rules: new AlarmRuleStore({ table: table(tableNames.alarmRules), ttlMs: config.fleet.cacheMs }),
    alarms: new AlarmStore({ table: table(tableNames.deviceState) }),
    tags: new DeviceTagStore({ table: table(tableNames.deviceTags), ttlMs: config.fleet.cacheMs }),
    historyRetentionDays: config.fleet.historyRetentionDays,
  };
}
