import type { TwilioSettings } from '../encounters/twilioSms';
import type { IdentityConfig } from '../identity/tokenVerifier';
import { maxHistoryLength } from '../telemetry/deviceState';
import {
  readAlarmWebhook,
  readEncounters,
  readGateway,
  readIdentity,
  readMongodbUri,
  readRealtime,
  readSearch,
  readStorageConnection,
} from './featureSettings';
import { settingNames } from './settingNames';
import { type Env, readInteger } from './settingReaders';

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
