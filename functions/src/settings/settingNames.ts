/**
 * App-setting names shared by the function bindings, the config module and the infrastructure
 * program. Renaming one here renames it everywhere; the cross-check tests catch one-sided drift.
 */
export const settingNames = {
  /** Data storage (tables, queues, blobs). A connection string, or `DataStorage__*` for identity. */
  dataStorage: 'DataStorage',
  /** IoT Hub built-in endpoint (Event Hubs-compatible). A connection string held in Key Vault. */
  iotHubEventHub: 'IoTHubEventHub',
  /** Event Hubs-compatible name of the IoT Hub built-in endpoint. */
  iotHubEventHubName: 'IOTHUB_EVENTHUB_NAME',
  /** Azure SignalR Service. A connection string, or `AzureSignalRConnectionString__serviceUri`. */
  signalR: 'AzureSignalRConnectionString',
  /** Cosmos DB for MongoDB connection string (a Key Vault reference); for the encounters feature. */
  mongodbUri: 'MONGODB_URI',
  /** Azure AI Search's endpoint; the catalog's search is off without it. */
  searchEndpoint: 'SEARCH_ENDPOINT',
  /** An admin key: local stand-in only (keys are disabled in Azure, where the app uses its identity). */
  searchApiKey: 'SEARCH_API_KEY',
  /** A user-assigned identity for search, when the app has several. */
  searchClientId: 'SEARCH_CLIENT_ID',
  /**
   * The operators' token issuer: `https://login.microsoftonline.com/<tenant>/v2.0` in Azure, the
   * local issuer locally. Without it every token-protected endpoint answers 503.
   */
  authIssuer: 'AUTH_ISSUER',
  /** The audiences operators' and back ends' tokens must name (comma-separated): the API's client id. */
  authAudience: 'AUTH_AUDIENCE',
  /** App users' token issuer (Entra External ID or any OIDC issuer); AUTH_ISSUER when unset. */
  userAuthIssuer: 'USER_AUTH_ISSUER',
  /** The audiences app users' tokens must name (comma-separated); AUTH_AUDIENCE when unset. */
  userAuthAudience: 'USER_AUTH_AUDIENCE',
  /** The URL Twilio requests (and signs); the request's own URL when unset. For custom domains and proxies. */
  twilioWebhookUrl: 'TWILIO_WEBHOOK_URL',
  /** Twilio auth token (a Key Vault reference); for the encounters feature. */
  twilioAuthToken: 'TWILIO_AUTH_TOKEN',
  /** `twilio` (send SMS through Twilio) or `outbox` (keep them in the smsoutbox table). */
  smsMode: 'SMS_MODE',
  /** Twilio account SID (AC...), not a secret. */
  twilioAccountSid: 'TWILIO_ACCOUNT_SID',
  /** The sender: an E.164 number or a Messaging Service SID (MG...). */
  twilioFrom: 'TWILIO_FROM',
  /** Overrides https://api.twilio.com; for tests and stand-ins only. */
  twilioApiBaseUrl: 'TWILIO_API_BASE_URL',
  /** At most this many people in one match SMS (default 2). */
  encounterMaxMatches: 'ENCOUNTER_MAX_MATCHES',
  /** A location older than this many minutes takes no part in matching (default 15). */
  encounterLocationFreshMinutes: 'ENCOUNTER_LOCATION_FRESH_MINUTES',
  /** The IoT Hub's host name, e.g. `fl-dev.azure-devices.net`; the gateway's target. */
  iotHubHostName: 'IOTHUB_HOSTNAME',
  /**
   * Where devices connect, when not to the hub's own host: the SDKs' `GatewayHostName` (an IoT Edge
   * gateway, or the local cloud's MQTT port), put into the device connection strings handed out.
   */
  iotHubGatewayHostName: 'IOTHUB_GATEWAY_HOSTNAME',
  /**
   * Where the app calls the hub's REST APIs, when not `https://{IOTHUB_HOSTNAME}`: the local
   * cloud's plain-HTTP door. Never set in Azure.
   */
  iotHubEndpoint: 'IOTHUB_ENDPOINT',
  /**
   * Registry access for device registration: a connection string for a policy with registry rights
   * (a Key Vault reference). Absent in Azure, where the app's identity holds IoT Hub Data Contributor.
   */
  iotHubRegistryConnection: 'IOTHUB_REGISTRY_CONNECTION',
  /**
   * The Device Provisioning Service's service host, e.g. `fl-dev-dps.azure-devices-provisioning.net`:
   * what its tokens are scoped to. The enrollment-group API's target; absent, that API is off.
   */
  dpsHostName: 'DPS_HOSTNAME',
  /** Where the app calls DPS's service API, when not `https://{DPS_HOSTNAME}`: the local cloud's door. */
  dpsEndpoint: 'DPS_ENDPOINT',
  /**
   * Enrollment rights on DPS: a connection string for a policy with EnrollmentRead and
   * EnrollmentWrite. Local only; in Azure the app's identity holds DPS Data Contributor.
   */
  dpsServiceConnection: 'DPS_SERVICE_CONNECTION',
  /** The ID scope devices provision in (`0ne…`), handed out with an enrollment group. */
  dpsIdScope: 'DPS_ID_SCOPE',
  /** What devices pass to the provisioning SDK: `global.azure-devices-provisioning.net` in Azure. */
  dpsDeviceHost: 'DPS_DEVICE_HOST',
  /** How often product reference data is revalidated (by ETag), in seconds. */
  referenceRefreshSeconds: 'ANALYTICS_REFERENCE_REFRESH_SECONDS',
  calibrationCacheSeconds: 'CALIBRATION_CACHE_SECONDS',
  /** Rejections, product minutes, outbox rows and dead letters older than this are deleted daily. */
  retentionDays: 'RETENTION_DAYS',
  deviceHistoryLength: 'DEVICE_HISTORY_LENGTH',
  /** Days of hourly rollups (history, export) and of alarms kept (default 30). */
  historyRetentionDays: 'HISTORY_RETENTION_DAYS',
  /** How long ingest reuses one read of the alarm rules and the device tags, in seconds. */
  fleetCacheSeconds: 'FLEET_CACHE_SECONDS',
  /** Where alarm changes are POSTed, signed; none when unset. */
  alarmWebhookUrl: 'ALARM_WEBHOOK_URL',
  /** The HMAC key for the alarm webhook's signatures (a Key Vault reference in Azure). */
  alarmWebhookSecret: 'ALARM_WEBHOOK_SECRET',
  telemetryMaxMessageBytes: 'TELEMETRY_MAX_MESSAGE_BYTES',
} as const;

/** Consumer groups on the IoT Hub built-in endpoint, one per reader. */
export const consumerGroups = {
  ingest: 'ingest',
  /** Product analytics (the gateway feature). */
  analytics: 'analytics',
  /** The HTTP pull feed (the gateway feature). */
  feed: 'feed',
} as const;

/** Storage queues the app uses. */
export const queueNames = {
  encounters: 'encounters',
  /** Alarm changes waiting to be POSTed to the stage's webhook. */
  alarmWebhook: 'alarmwebhook',
} as const;

/**
 * Tables the function app uses. The stack declares them (the app's role is scoped to each); locally
 * the app creates them on first use.
 */
export const tableNames = {
  deviceState: 'devicestate',
  calibration: 'calibration',
  rejections: 'rejections',
  productMinutes: 'productminutes',
  /** SMS kept instead of sent while SMS_MODE is `outbox`. */
  smsOutbox: 'smsoutbox',
  /** Events set aside because they can never succeed, with the reason and the body. */
  deadLetters: 'deadletters',
  /** Alarm rules, one row each. Alarms themselves sit in devicestate, beside the states. */
  alarmRules: 'alarmrules',
  /** Device groups: each tagged device's tags. */
  deviceTags: 'devicetags',
  /** Who changed a device's desired properties, sent it a command or a job, and when. */
  deviceActivity: 'deviceactivity',
  /** Device models (DTDL interfaces), one row each. */
  models: 'models',
} as const;

/** MongoDB collections the encounters feature uses. The app ensures their indexes at start. */
export const collectionNames = {
  users: 'users',
  notifications: 'notifications',
  /** Phone numbers that answered STOP, by E.164 number. */
  smsOptOuts: 'smsoptouts',
  /** Phone verification codes sent, per number and per account, for their hourly limits. */
  phoneVerifications: 'phoneverifications',
  /** Collaborative rooms: members, queue and version, one document each. */
  rooms: 'rooms',
  /** Open SignalR connections on the rooms hub, by connection id: presence. */
  roomConnections: 'roomconnections',
  /** Display names of people who negotiated for the rooms hub, by user id. */
  roomProfiles: 'roomprofiles',
  /** The track catalog that the search index is built from. */
  catalog: 'catalog',
} as const;

/** Blob containers the app reads. */
export const containerNames = {
  reference: 'reference',
} as const;

/** The application property that marks a hub message as a product event rather than telemetry. */
export const messageTypeProperty = { name: 'type', analytics: 'analytics' } as const;
