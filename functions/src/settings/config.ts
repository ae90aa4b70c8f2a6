import type { AnalyticsConfig } from '../analytics/settings';
import * as analytics from '../analytics/settings';
import type { SearchConfig } from '../catalog/settings';
import * as catalog from '../catalog/settings';
import type { EncounterConfig } from '../encounters/settings';
import * as encounters from '../encounters/settings';
import type { FleetConfig } from '../fleet/settings';
import * as fleet from '../fleet/settings';
import type { GatewayConfig } from '../gateway/settings';
import * as gateway from '../gateway/settings';
import * as identity from '../identity/settings';
import type { IdentityConfig } from '../identity/tokenVerifier';
import * as operations from '../operations/settings';
import type { ProvisioningConfig } from '../provisioning/settings';
import * as provisioning from '../provisioning/settings';
import type { RealtimeConfig } from '../realtime/settings';
import * as realtime from '../realtime/settings';
import type { RoomsConfig } from '../rooms/settings';
import * as rooms from '../rooms/settings';
import type { TelemetryConfig } from '../telemetry/settings';
import * as telemetry from '../telemetry/settings';
import { settingNames } from './settingNames';
import type { Env } from './settingReaders';
import { readStorageConnection, type StorageConnection } from './storageConnection';

// The core: the storage account every feature uses, and the assembly of each feature's own
// settings (each feature reads and checks them in its settings.ts).
export type { SearchConfig } from '../catalog/settings';
export type { EncounterConfig } from '../encounters/settings';
export type { GatewayConfig } from '../gateway/settings';
export type { RealtimeConfig } from '../realtime/settings';
export type { StorageConnection } from './storageConnection';

/**
 * Settings `loadConfig` cannot do without, by name; each may instead be given in the identity-based
 * `<name>__*` form. Every other setting it reads has a default.
 */
export const requiredSettings: readonly string[] = [settingNames.dataStorage];

/** Features that can be switched off by a bad setting without stopping the rest of the app. */
export type OptionalFeature =
  | 'gateway'
  | 'provisioning'
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
  /** The enrollment-group API's DPS; absent when DPS_HOSTNAME is not set. */
  readonly provisioning?: ProvisioningConfig;
  readonly encounters?: EncounterConfig;
  /** Collaborative rooms; absent when MONGODB_URI is not set. */
  readonly rooms?: RoomsConfig;
  /** The catalog's search index; absent when SEARCH_ENDPOINT is not set. */
  readonly search?: SearchConfig;
  /** Bearer-token validation; absent when AUTH_ISSUER is not set. */
  readonly identity?: IdentityConfig;
  readonly realtime?: RealtimeConfig;
  readonly analytics: AnalyticsConfig;
  /** Days kept before the daily retention run deletes (default 7). */
  readonly retentionDays: number;
  readonly telemetry: TelemetryConfig;
  readonly fleet: FleetConfig;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(readonly problems: readonly string[]) {
    super(`Invalid app settings:\n  - ${problems.join('\n  - ')}`);
  }
}

/**
 * Reads and validates every app setting the function code uses, reporting all problems at once.
 * Core settings (storage, telemetry, fleet, analytics, retention) throw; an optional feature's bad
 * settings switch that feature off and are listed in `misconfigured`, so telemetry keeps running.
 *
 * @example
 * const config = loadConfig(process.env); // throws ConfigError naming each bad core setting
 */
export function loadConfig(env: Env): AppConfig {
  const problems: string[] = [];
  const storage = readStorageConnection(env, settingNames.dataStorage, problems);
  const core = {
    telemetry: telemetry.readSettings(env, problems),
    analytics: analytics.readSettings(env, problems),
    retentionDays: operations.readSettings(env, problems).retentionDays,
    fleet: fleet.readSettings(env, problems),
  };
  if (problems.length > 0 || storage === undefined) throw new ConfigError(problems);
  const misconfigured: Partial<Record<OptionalFeature, string[]>> = {};
  const optional = <T>(
    feature: OptionalFeature,
    read: (env: Env, found: string[]) => T | undefined,
  ) => {
    const found: string[] = [];
    const value = read(env, found);
    if (found.length === 0) return value;
    misconfigured[feature] = found;
    return undefined;
  };
  const features = {
    gateway: optional('gateway', gateway.readSettings),
    provisioning: optional('provisioning', provisioning.readSettings),
    encounters: optional('encounters', encounters.readSettings),
    rooms: optional('rooms', rooms.readSettings),
    search: optional('search', catalog.readSettings),
    identity: optional('identity', identity.readSettings),
    realtime: optional('realtime', realtime.readSettings),
  };
  return {
    storage,
    ...core,
    misconfigured,
    ...(features.gateway ? { gateway: features.gateway } : {}),
    ...(features.provisioning ? { provisioning: features.provisioning } : {}),
    ...(features.encounters ? { encounters: features.encounters } : {}),
    ...(features.rooms ? { rooms: features.rooms } : {}),
    ...(features.search ? { search: features.search } : {}),
    ...(features.identity ? { identity: features.identity } : {}),
    ...(features.realtime ? { realtime: features.realtime } : {}),
  };
}
