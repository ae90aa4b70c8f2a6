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
  readonly registry:
    | { readonly kind: 'sas'; readonly policyName: string; readonly key: string }
    | { readonly kind: 'identity' };
  /** The built-in endpoint, for the pull feed. */
  readonly eventHub?: { readonly connectionString: string; readonly name: string };
}

export interface AppConfig {
  readonly storage: StorageConnection;
  readonly gateway?: GatewayConfig;
  readonly analytics: { readonly referenceRefreshMs: number };
  readonly telemetry: {
    readonly calibrationCacheMs: number;
    readonly historyLength: number;
    readonly maxMessageBytes: number;
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
 *
 * @example
 * const config = loadConfig(process.env); // throws ConfigError naming each missing or bad setting
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
  const gateway = readGateway(env, problems);
  if (problems.length > 0 || storage === undefined) throw new ConfigError(problems);
  const analytics = {
    referenceRefreshMs:
      readInteger(
        env,
        settingNames.referenceRefreshSeconds,
        { min: 0, max: 3600, fallback: 30 },
        problems,
      ) * 1000,
  };
  return { storage, telemetry, analytics, ...(gateway ? { gateway } : {}) };
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

function readGateway(env: Env, problems: string[]): GatewayConfig | undefined {
  const hubHostName = nonEmpty(env[settingNames.iotHubHostName]);
  if (!hubHostName) return undefined;
  if (!/^[A-Za-z0-9.-]+(:\d+)?$/.test(hubHostName)) {
    problems.push(
      `${settingNames.iotHubHostName} must be a host name such as fl-dev.azure-devices.net; got "${hubHostName}"`,
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
    registry,
    ...(eventHubConnection && eventHubName
      ? { eventHub: { connectionString: eventHubConnection, name: eventHubName } }
      : {}),
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
