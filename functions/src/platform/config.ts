import type { TwilioSettings } from '../encounters/twilioSms';
import type { IdentityConfig } from '../identity/tokenVerifier';
import { maxHistoryLength } from '../telemetry/deviceState';
import { settingNames } from './settingNames';

/** How the app reaches a storage account: a connection string locally, managed identity in Azure. */
export type StorageConnection =
  | { readonly kind: 'connectionString'; readonly connectionString: string }
  | {
      readonly kind: 'identity';
      readonly tableServiceUri: string;
      readonly queueServiceUri: string;
      readonly blobServiceUri: string;
      /** Client id of a user-assigned identity; absent for the system-assigned one. */
      readonly clientId?: string;
    };

/**
 * Settings `loadConfig` cannot do without, by name; each may instead be given in the identity-based
 * `<name>__*` form. Every other setting it reads has a default.
 */
export const requiredSettings: readonly string[] = [settingNames.dataStorage];

/** How the gateway reaches IoT Hub; absent when the stage has no gateway settings. */
export interface GatewayConfig {
  readonly hubHostName: string;
  /** `GatewayHostName` for the device connection strings handed out; absent in Azure. */
  readonly gatewayHostName?: string;
  /** Where the hub's REST APIs are called: `https://{hubHostName}` unless set (the local cloud). */
  readonly endpoint: string;
  readonly registry:
    | { readonly kind: 'sas'; readonly policyName: string; readonly key: string }
    | { readonly kind: 'identity' };
  /** The built-in endpoint, for the pull feed. */
  readonly eventHub?: { readonly connectionString: string; readonly name: string };
}

/** The encounters feature; absent when MONGODB_URI is not set. */
export interface EncounterConfig {
  readonly mongodbUri: string;
  readonly maxMatches: number;
  readonly locationFreshMs: number;
  readonly sms:
    | { readonly kind: 'outbox' }
    | { readonly kind: 'twilio'; readonly twilio: TwilioSettings };
  /** Checks the inbound webhook's signature; without it the webhook refuses every request. */
  readonly twilioAuthToken?: string;
  /** The URL Twilio signs, when it differs from the one the app sees (custom domain, proxy). */
  readonly twilioWebhookUrl?: string;
}

/** How the app reaches SignalR Service's REST API: an access key locally, managed identity in Azure. */
export type RealtimeConfig =
  | { readonly kind: 'accessKey'; readonly endpoint: string; readonly accessKey: string }
  | { readonly kind: 'identity'; readonly endpoint: string; readonly clientId?: string };

/**
 * How the app reaches Azure AI Search: an admin key for the local stand-in, the app's managed
 * identity in Azure (where keys are disabled).
 */
export type SearchConfig =
  | { readonly kind: 'apiKey'; readonly endpoint: string; readonly apiKey: string }
  | { readonly kind: 'identity'; readonly endpoint: string; readonly clientId?: string };

/** Features that can be switched off by a bad setting without stopping the rest of the app. */
export type OptionalFeature =
  | 'gateway'
  | 'encounters'
  | 'rooms'
  | 'search'
  | 'identity'
  | 'realtime';

export interface AppConfig {
  readonly storage: StorageConnection;
  /**
   * Features whose settings are present but wrong, with each problem. Such a feature is absent
   * below; its functions still register, refuse work naming the setting, and `/api/health`
   * reports it. A Key Vault reference that has not resolved yet lands here, not in a dead host.
   */
  readonly misconfigured: Readonly<Partial<Record<OptionalFeature, readonly string[]>>>;
  readonly gateway?: GatewayConfig;
  readonly encounters?: EncounterConfig;
  /** Collaborative rooms; absent when MONGODB_URI is not set. */
  readonly rooms?: { readonly mongodbUri: string };
  /** The catalog's search index; absent when SEARCH_ENDPOINT is not set. */
  readonly search?: SearchConfig;
  /** Bearer-token validation; absent when AUTH_ISSUER is not set. */
  readonly identity?: IdentityConfig;
  readonly realtime?: RealtimeConfig;
  readonly analytics: { readonly referenceRefreshMs: number };
  /** Days kept before the daily retention run deletes (default 7). */
  readonly retentionDays: number;
  readonly telemetry: {
    readonly calibrationCacheMs: number;
    readonly historyLength: number;
    readonly maxMessageBytes: number;
  };
  readonly fleet: {
    /** Days of history rollups and alarms kept (default 30). */
    readonly historyRetentionDays: number;
    /** How long one read of the alarm rules and device tags is reused. */
    readonly cacheMs: number;
    /** Where alarm changes are POSTed, signed with `secret`; absent when not configured. */
    readonly webhook?: { readonly url: string; readonly secret: string };
  };
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(readonly problems: readonly string[]) {
    super(`Invalid app settings:\n  - ${problems.join('\n  - ')}`);
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads and validates every app setting the function code uses, reporting all problems at once.
 * Core settings (storage, telemetry, analytics) throw; an optional feature's bad settings switch
 * that feature off and are listed in `misconfigured`, so telemetry keeps running.
 *
 * @example
 * const config = loadConfig(process.env); // throws ConfigError naming each bad core setting
 */
export function loadConfig(env: Env): AppConfig {
  const problems: string[] = [];
  const storage = readStorageConnection(env, settingNames.dataStorage, problems);
  const telemetry = {
    calibrationCacheMs:
      readInteger(
        env,
        settingNames.calibrationCacheSeconds,
        { min: 0, max: 86_400, fallback: 300 },
        problems,
      ) * 1000,
    historyLength: readInteger(
      env,
      settingNames.deviceHistoryLength,
      { min: 1, max: maxHistoryLength, fallback: 100 },
      problems,
    ),
    maxMessageBytes: readInteger(
      env,
      settingNames.telemetryMaxMessageBytes,
      { min: 1024, max: 262_144, fallback: 65_536 },
      problems,
    ),
  };
  const analytics = {
    referenceRefreshMs:
      readInteger(
        env,
        settingNames.referenceRefreshSeconds,
        { min: 0, max: 3600, fallback: 30 },
        problems,
      ) * 1000,
  };
  const retentionDays = readInteger(
    env,
    settingNames.retentionDays,
    { min: 1, max: 3650, fallback: 7 },
    problems,
  );
  const fleet = {
    historyRetentionDays: readInteger(
      env,
      settingNames.historyRetentionDays,
      { min: 1, max: 3650, fallback: 30 },
      problems,
    ),
    cacheMs:
      readInteger(
        env,
        settingNames.fleetCacheSeconds,
        { min: 0, max: 3600, fallback: 30 },
        problems,
      ) * 1000,
    ...readAlarmWebhook(env, problems),
  };
  if (problems.length > 0 || storage === undefined) throw new ConfigError(problems);
  const misconfigured: Partial<Record<OptionalFeature, string[]>> = {};
  const optional = <T>(feature: OptionalFeature, read: (found: string[]) => T | undefined) => {
    const found: string[] = [];
    const value = read(found);
    if (found.length === 0) return value;
    misconfigured[feature] = found;
    return undefined;
  };
  const gateway = optional('gateway', (found) => readGateway(env, found));
  const encounters = optional('encounters', (found) => readEncounters(env, found));
  const rooms = optional('rooms', (found) => readMongodbUri(env, found));
  const search = optional('search', (found) => readSearch(env, found));
  const identity = optional('identity', (found) => readIdentity(env, found));
  const realtime = optional('realtime', (found) => readRealtime(env, found));
  return {
    storage,
    telemetry,
    analytics,
    retentionDays,
    fleet,
    misconfigured,
    ...(gateway ? { gateway } : {}),
    ...(encounters ? { encounters } : {}),
    ...(rooms ? { rooms: { mongodbUri: rooms } } : {}),
    ...(search ? { search } : {}),
    ...(identity ? { identity } : {}),
    ...(realtime ? { realtime } : {}),
  };
}

function readIdentity(env: Env, problems: string[]): IdentityConfig | undefined {
  const issuer = nonEmpty(env[settingNames.authIssuer]);
  if (!issuer) {
    // Not optional like a feature: without an issuer nobody can use the API, and health says so.
    problems.push(
      `${settingNames.authIssuer} is not set: every token-protected endpoint answers 503 until it is`,
    );
    return undefined;
  }
  const audiences = list(env[settingNames.authAudience]);
  const userIssuer = nonEmpty(env[settingNames.userAuthIssuer]) ?? issuer;
  const userAudiences = list(env[settingNames.userAuthAudience]);
  for (const [name, value] of [
    [settingNames.authIssuer, issuer],
    [settingNames.userAuthIssuer, userIssuer],
  ] as const)
    if (!isIssuerUrl(value))
      problems.push(
        `${name} must be an https URL (http only for localhost), such as https://login.microsoftonline.com/<tenant>/v2.0; got "${value}"`,
      );
  if (audiences.length === 0)
    problems.push(
      `${settingNames.authAudience} is missing: set it to the API's client id (and identifier URI), comma-separated`,
    );
  return {
    operators: { issuer, audiences, grantsRoles: true },
    users: {
      issuer: userIssuer,
      audiences: userAudiences.length > 0 ? userAudiences : audiences,
      // App users' roles count only when their tokens come from the operators' own issuer and API.
      grantsRoles: false,
    },
  };
}

function readRealtime(env: Env, problems: string[]): RealtimeConfig | undefined {
  const name = settingNames.signalR;
  const connectionString = nonEmpty(env[name]);
  if (connectionString) {
    const field = (key: string) =>
      new RegExp(`(?:^|;)\\s*${key}=([^;]+)`, 'i').exec(connectionString)?.[1];
    const endpoint = field('Endpoint');
    const accessKey = field('AccessKey');
    if (!endpoint || !accessKey || !URL.canParse(endpoint)) {
      problems.push(`${name} must be "Endpoint=https://...;AccessKey=...;Version=1.0;"`);
      return undefined;
    }
    const url = new URL(endpoint);
    const port = field('Port');
    if (port) url.port = port;
    return { kind: 'accessKey', endpoint: url.origin, accessKey };
  }
  const serviceUri = nonEmpty(env[`${name}__serviceUri`]);
  if (!serviceUri) return undefined;
  if (!URL.canParse(serviceUri)) {
    problems.push(
      `${name}__serviceUri must be the service URL, such as https://fl-dev-rt.service.signalr.net`,
    );
    return undefined;
  }
  const clientId = nonEmpty(env[`${name}__clientId`]);
  return {
    kind: 'identity',
    endpoint: new URL(serviceUri).origin,
    ...(clientId ? { clientId } : {}),
  };
}

function isIssuerUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return (
    url.protocol === 'https:' ||
    (url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname))
  );
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function readStorageConnection(
  env: Env,
  name: string,
  problems: string[],
): StorageConnection | undefined {
  const connectionString = nonEmpty(env[name]);
  if (connectionString !== undefined) {
    if (
      !/AccountName=|UseDevelopmentStorage=true|BlobEndpoint=|TableEndpoint=/i.test(
        connectionString,
      )
    ) {
      problems.push(
        `${name} is not a storage connection string (expected "DefaultEndpointsProtocol=...;AccountName=...").`,
      );
      return undefined;
    }
    return { kind: 'connectionString', connectionString };
  }
  // Identity-based form, as the Functions host reads it: <name>__accountName or <name>__<service>ServiceUri.
  const accountName = nonEmpty(env[`${name}__accountName`]);
  const serviceUri = (service: 'table' | 'queue' | 'blob'): string | undefined =>
    nonEmpty(env[`${name}__${service}ServiceUri`]) ??
    (accountName ? `https://${accountName}.${service}.core.windows.net` : undefined);
  const tableServiceUri = serviceUri('table');
  const queueServiceUri = serviceUri('queue');
  const blobServiceUri = serviceUri('blob');
  if (!tableServiceUri || !queueServiceUri || !blobServiceUri) {
    problems.push(
      `${name} is missing: set ${name} to a storage connection string, or ${name}__accountName for managed identity.`,
    );
    return undefined;
  }
  const clientId = nonEmpty(env[`${name}__clientId`]);
  return {
    kind: 'identity',
    tableServiceUri,
    queueServiceUri,
    blobServiceUri,
    ...(clientId ? { clientId } : {}),
  };
}

function readAlarmWebhook(
  env: Env,
  problems: string[],
): { webhook?: { url: string; secret: string } } {
  const url = nonEmpty(env[settingNames.alarmWebhookUrl]);
  if (!url) return {};
  const secret = nonEmpty(env[settingNames.alarmWebhookSecret]);
  // Plain HTTP only to this machine (the local cloud's tests and tools).
  if (!/^https:\/\/\S+$/.test(url) && !/^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?\//.test(url))
    problems.push(`${settingNames.alarmWebhookUrl} must be an https URL; got "${url}"`);
  if (!secret || secret.length < 16)
    problems.push(
      `${settingNames.alarmWebhookSecret} must be set, 16 characters or more, when ${settingNames.alarmWebhookUrl} is`,
    );
  return secret ? { webhook: { url, secret } } : {};
}

function readGateway(env: Env, problems: string[]): GatewayConfig | undefined {
  const hubHostName = nonEmpty(env[settingNames.iotHubHostName]);
  if (!hubHostName) return undefined;
  if (!/^[A-Za-z0-9.-]+(:\d+)?$/.test(hubHostName)) {
    problems.push(
      `${settingNames.iotHubHostName} must be a host name such as fl-dev.azure-devices.net; got "${hubHostName}"`,
    );
    return undefined;
  }
  const gatewayHostName = nonEmpty(env[settingNames.iotHubGatewayHostName]);
  if (gatewayHostName && !/^[A-Za-z0-9.-]+(:\d+)?$/.test(gatewayHostName)) {
    problems.push(
      `${settingNames.iotHubGatewayHostName} must be a host name, with a port if not 8883, such as 127.0.0.1:8883; got "${gatewayHostName}"`,
    );
    return undefined;
  }
  const endpoint = nonEmpty(env[settingNames.iotHubEndpoint]) ?? `https://${hubHostName}`;
  if (!/^https?:\/\/[^/]+$/.test(endpoint)) {
    problems.push(
      `${settingNames.iotHubEndpoint} must be a base URL such as http://127.0.0.1:7081; got "${endpoint}"`,
    );
    return undefined;
  }
  const registryConnection = nonEmpty(env[settingNames.iotHubRegistryConnection]);
  let registry: GatewayConfig['registry'] = { kind: 'identity' };
  if (registryConnection) {
    const policyName = /SharedAccessKeyName=([^;]+)/i.exec(registryConnection)?.[1];
    const key = /SharedAccessKey=([^;]+)/i.exec(registryConnection)?.[1];
    if (!policyName || !key) {
      problems.push(
        `${settingNames.iotHubRegistryConnection} must be "HostName=...;SharedAccessKeyName=...;SharedAccessKey=..."`,
      );
    } else registry = { kind: 'sas', policyName, key };
  }
  const eventHubConnection = nonEmpty(env[settingNames.iotHubEventHub]);
  const eventHubName = nonEmpty(env[settingNames.iotHubEventHubName]);
  return {
    hubHostName,
    ...(gatewayHostName ? { gatewayHostName } : {}),
    endpoint,
    registry,
    ...(eventHubConnection && eventHubName
      ? { eventHub: { connectionString: eventHubConnection, name: eventHubName } }
      : {}),
  };
}

function readSearch(env: Env, problems: string[]): SearchConfig | undefined {
  const endpoint = nonEmpty(env[settingNames.searchEndpoint]);
  if (!endpoint) return undefined;
  if (!URL.canParse(endpoint) || !/^https:|^http:\/\/(127\.0\.0\.1|localhost)[:/]/.test(endpoint)) {
    problems.push(
      `${settingNames.searchEndpoint} must be the service URL, such as https://fl-dev-search.search.windows.net`,
    );
    return undefined;
  }
  const origin = new URL(endpoint).origin;
  const apiKey = nonEmpty(env[settingNames.searchApiKey]);
  if (apiKey) return { kind: 'apiKey', endpoint: origin, apiKey };
  const clientId = nonEmpty(env[settingNames.searchClientId]);
  return { kind: 'identity', endpoint: origin, ...(clientId ? { clientId } : {}) };
}

function readMongodbUri(env: Env, problems: string[]): string | undefined {
  const mongodbUri = nonEmpty(env[settingNames.mongodbUri]);
  if (mongodbUri && !/^mongodb(\+srv)?:\/\//.test(mongodbUri))
    problems.push(
      `${settingNames.mongodbUri} must be a mongodb:// or mongodb+srv:// connection string`,
    );
  return mongodbUri;
}

function readEncounters(env: Env, problems: string[]): EncounterConfig | undefined {
  const mongodbUri = readMongodbUri(env, problems);
  if (!mongodbUri) return undefined;
  const maxMatches = readInteger(
    env,
    settingNames.encounterMaxMatches,
    { min: 1, max: 10, fallback: 2 },
    problems,
  );
  const locationFreshMs =
    readInteger(
      env,
      settingNames.encounterLocationFreshMinutes,
      { min: 1, max: 1440, fallback: 15 },
      problems,
    ) * 60_000;
  const twilioAuthToken = nonEmpty(env[settingNames.twilioAuthToken]);
  const mode = nonEmpty(env[settingNames.smsMode]) ?? 'twilio';
  let sms: EncounterConfig['sms'] = { kind: 'outbox' };
  if (mode === 'twilio') {
    const accountSid = nonEmpty(env[settingNames.twilioAccountSid]);
    const from = nonEmpty(env[settingNames.twilioFrom]);
    const apiBaseUrl = nonEmpty(env[settingNames.twilioApiBaseUrl]);
    if (!accountSid || !/^AC[0-9a-fA-F]{32}$/.test(accountSid))
      problems.push(
        `${settingNames.twilioAccountSid} must be a Twilio account SID (AC followed by 32 hex digits) when ${settingNames.smsMode} is twilio; set ${settingNames.smsMode}=outbox to keep SMS in a table instead`,
      );
    if (!twilioAuthToken)
      problems.push(
        `${settingNames.twilioAuthToken} is missing; it is required when ${settingNames.smsMode} is twilio`,
      );
    if (!from || !/^(\+[1-9]\d{7,14}|MG[0-9a-fA-F]{32})$/.test(from))
      problems.push(
        `${settingNames.twilioFrom} must be an E.164 number or a Messaging Service SID (MG...) when ${settingNames.smsMode} is twilio`,
      );
    if (apiBaseUrl && !URL.canParse(apiBaseUrl))
      problems.push(`${settingNames.twilioApiBaseUrl} must be a URL`);
    if (accountSid && twilioAuthToken && from)
      sms = {
        kind: 'twilio',
        twilio: {
          accountSid,
          authToken: twilioAuthToken,
          from,
          ...(apiBaseUrl ? { apiBaseUrl } : {}),
        },
      };
  } else if (mode !== 'outbox')
    problems.push(`${settingNames.smsMode} must be twilio or outbox; got "${mode}"`);
  const twilioWebhookUrl = nonEmpty(env[settingNames.twilioWebhookUrl]);
  if (twilioWebhookUrl && !/^https?:\/\//.test(twilioWebhookUrl))
    problems.push(
      `${settingNames.twilioWebhookUrl} must be the full URL Twilio calls, such as https://api.example.com/api/twilio/inbound`,
    );
  return {
    mongodbUri,
    maxMatches,
    ...(twilioWebhookUrl ? { twilioWebhookUrl } : {}),
    locationFreshMs,
    sms,
    ...(twilioAuthToken ? { twilioAuthToken } : {}),
  };
}

function readInteger(
  env: Env,
  name: string,
  rule: { min: number; max: number; fallback: number },
  problems: string[],
): number {
  const raw = nonEmpty(env[name]);
  if (raw === undefined) return rule.fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < rule.min || value > rule.max) {
    problems.push(`${name} must be a whole number from ${rule.min} to ${rule.max}; got "${raw}".`);
    return rule.fallback;
  }
  return value;
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}
