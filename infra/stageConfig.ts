import {
  flexInstanceMemoryMB,
  flexMaximumInstances,
  flexRuntimeVersions,
} from '../policy/rules/flexConsumption';
import { lifecycleEntry } from '../policy/rules/lifecycle';
import { iotHubMaxUnits, signalRUnitCounts } from '../policy/rules/serviceLimits';

/**
 * A stage's configuration, read from the stack's `fieldline:*` config keys and validated before any
 * resource is declared. Every problem names its key and the allowed values.
 */
export interface StageConfig {
  readonly stage: string;
  readonly location: string;
  /**
   * An existing resource group the stage deploys into, made once at bootstrap so that the stage's
   * deployment identity can be scoped to it; without it the program creates `fl-<stage>`.
   */
  readonly resourceGroupName?: string;
  readonly iotHub: {
    readonly sku: IotHubSku;
    readonly capacity: number;
    readonly partitions: number;
  };
  readonly signalR: { readonly sku: SignalRSku; readonly capacity: number };
  /** Azure AI Search for the catalog: tier, replicas and partitions. */
  readonly search: {
    readonly sku: SearchSku;
    readonly replicas: number;
    readonly partitions: number;
  };
  readonly cosmosServerless: boolean;
  readonly functions: {
    /** The Node.js major the app runs on; the bundle is built for it. */
    readonly nodeVersion: NodeVersion;
    readonly alwaysReady: number;
    readonly maximumInstances: number;
    readonly instanceMemoryMB: number;
  };
  /** Stateful resources get Pulumi's `protect`, so a stray `pulumi destroy` stops before them. */
  readonly protect: boolean;
  /**
   * Key Vault recovery. Both are fixed once the vault exists (retention cannot change, and purge
   * protection cannot be turned off), so neither follows `protect`, which a tear-down flips.
   * https://learn.microsoft.com/azure/key-vault/general/soft-delete-overview
   */
  readonly keyVault: { readonly retentionDays: number; readonly purgeProtection: boolean };
  /**
   * Appended to names that must be unique across Azure (storage, Key Vault, Cosmos DB, IoT Hub,
   * SignalR, the function app); by default derived from the subscription and the stage.
   */
  readonly nameSuffix?: string;
  readonly archiveTelemetry: boolean;
  /** Days rejections, product minutes, outbox rows and dead letters are kept (RETENTION_DAYS). */
  readonly retentionDays: number;
  /** Days of device history (hourly rollups) and alarms kept (HISTORY_RETENTION_DAYS). */
  readonly historyRetentionDays: number;
  readonly dashboardExtraOrigins: readonly string[];
  /**
   * Sign-in. Without `entraClientId` the program creates the Entra app registration; with it, the
   * stage uses an existing one (for tenants where developers cannot create registrations).
   * `users` names another issuer for app users' tokens (Entra External ID or any OIDC issuer).
   */
  readonly identity: {
    readonly entraClientId?: string;
    readonly users?: { readonly issuer: string; readonly audience: string };
  };
  /** The URL Twilio calls, when a custom domain or proxy fronts the app (TWILIO_WEBHOOK_URL). */
  readonly twilioWebhookUrl?: string;
  /** Where alarm changes are POSTed (ALARM_WEBHOOK_URL); its secret is `alarmWebhookSecret`. */
  readonly alarmWebhookUrl?: string;
  /** Encounter SMS: through Twilio (account SID and sender in config, auth token a secret), or kept in the outbox table. */
  readonly sms:
    | { readonly mode: 'outbox' }
    | { readonly mode: 'twilio'; readonly accountSid: string; readonly from: string };
  /** What is allowed but should change (the program prints each as a Pulumi warning). */
  readonly warnings: readonly string[];
}

export const iotHubSkus = ['F1', 'B1', 'B2', 'B3', 'S1', 'S2', 'S3'] as const;
export type IotHubSku = (typeof iotHubSkus)[number];
export const signalRSkus = ['Free_F1', 'Standard_S1', 'Premium_P1'] as const;
export const smsModes = ['outbox', 'twilio'] as const;
export const searchSkus = ['free', 'basic', 'standard'] as const;
export type SearchSku = (typeof searchSkus)[number];
/** Partition counts the service allows (learn.microsoft.com/azure/search/search-capacity-planning). */
const searchPartitionCounts = [1, 2, 3, 4, 6, 12];
export type SignalRSku = (typeof signalRSkus)[number];
/** Node.js majors Flex Consumption runs, with the day support ends; a retired one is refused. */
const nodeVersions = flexRuntimeVersions.node;
export type NodeVersion = keyof typeof nodeVersions;
/** Node.js 24 is GA on Flex Consumption and supported until 2028-04-30; 22 ends on 2027-04-30. */
export const defaultNodeVersion: NodeVersion = '24';
const retiredNodeVersions: Readonly<Record<string, string>> = Object.fromEntries(
  ['18', '20'].map((v) => [v, lifecycleEntry(`node-${v}`).endOfSupport as string]),
);

export class StageConfigError extends Error {
  override readonly name = 'StageConfigError';

  constructor(readonly problems: readonly string[]) {
    super(`Invalid stack configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

/** Reads a config key the way `pulumi.Config#get` does: a string, or undefined when unset. */
export type ConfigReader = (key: string) => string | undefined;

export function readStageConfig(get: ConfigReader, stackName: string): StageConfig {
  const problems: string[] = [];
  const warnings: string[] = [];
  const { text, oneOf, integer, flag } = stageReaders(get, problems);

  const stage = text(
    'stage',
    stackName,
    /^[a-z][a-z0-9]{1,9}$/,
    'must be 2-10 lower-case letters and digits, starting with a letter',
  );
  const location = text(
    'location',
    'westeurope',
    /^[a-z0-9]+$/,
    'must be an Azure region name such as westeurope',
  );
  const resourceGroupName = get('resourceGroupName');
  // https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules#microsoftresources
  if (resourceGroupName !== undefined && !/^[-\w.()]{0,89}[-\w()]$/.test(resourceGroupName))
    problems.push(
      `fieldline:resourceGroupName must be 1-90 letters, digits, underscores, hyphens, periods and parentheses, not ending in a period; got "${resourceGroupName}"`,
    );
  const { iotHub, search, signalR } = readCapacities({ oneOf, integer }, problems);
  const memory = integer('functionsInstanceMemoryMB', 512, 4096, 2048);
  if (!(flexInstanceMemoryMB as readonly number[]).includes(memory)) {
    problems.push(
      `fieldline:functionsInstanceMemoryMB must be one of ${flexInstanceMemoryMB.join(', ')}; got "${memory}"`,
    );
  }
  const nodeVersion = (get('nodeVersion') ?? defaultNodeVersion) as NodeVersion;
  if (retiredNodeVersions[nodeVersion])
    problems.push(
      `fieldline:nodeVersion ${nodeVersion} left Azure Functions support on ${retiredNodeVersions[nodeVersion]}; use 24`,
    );
  else if (!(nodeVersion in nodeVersions))
    problems.push(`fieldline:nodeVersion must be one of 24, 22; got "${nodeVersion}"`);
  else if (nodeVersion !== defaultNodeVersion)
    warnings.push(
      `fieldline:nodeVersion ${nodeVersion} leaves Azure Functions support on ${nodeVersions[nodeVersion]}; move to ${defaultNodeVersion} (remove the key, or set "${defaultNodeVersion}")`,
    );
  const nameSuffix = get('nameSuffix');
  if (nameSuffix !== undefined && !/^[a-z0-9]{4,6}$/.test(nameSuffix))
    problems.push(
      `fieldline:nameSuffix must be 4-6 lower-case letters and digits; got "${nameSuffix}"`,
    );
  const origins = (get('dashboardExtraOrigins') ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  for (const origin of origins) {
    if (!/^https:\/\/[^/*]+$/.test(origin))
      problems.push(
        `fieldline:dashboardExtraOrigins must list https origins without paths or wildcards; got "${origin}"`,
      );
  }
  const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  const entraClientId = get('entraClientId');
  if (entraClientId !== undefined && !guid.test(entraClientId))
    problems.push(
      `fieldline:entraClientId must be the application (client) id of an existing registration, a GUID; got "${entraClientId}"`,
    );
  const userIssuer = get('userIssuer');
  const userAudience = get('userAudience');
  if ((userIssuer === undefined) !== (userAudience === undefined))
    problems.push(
      'fieldline:userIssuer and fieldline:userAudience go together: set both for a separate app-user issuer, or neither',
    );
  if (userIssuer !== undefined && !/^https:\/\/[^\s]+$/.test(userIssuer))
    problems.push(`fieldline:userIssuer must be an https issuer URL; got "${userIssuer}"`);
  const twilioWebhookUrl = get('twilioWebhookUrl');
  if (twilioWebhookUrl !== undefined && !/^https:\/\/[^\s]+$/.test(twilioWebhookUrl))
    problems.push(
      `fieldline:twilioWebhookUrl must be the https URL Twilio calls; got "${twilioWebhookUrl}"`,
    );
  const alarmWebhookUrl = get('alarmWebhookUrl');
  if (alarmWebhookUrl !== undefined && !/^https:\/\/[^\s]+$/.test(alarmWebhookUrl))
    problems.push(
      `fieldline:alarmWebhookUrl must be the https URL alarm changes are POSTed to; got "${alarmWebhookUrl}"`,
    );
  const smsMode = oneOf('smsMode', smsModes, 'outbox');
  let sms: StageConfig['sms'] = { mode: 'outbox' };
  if (smsMode === 'twilio') {
    const accountSid = text(
      'twilioAccountSid',
      '',
      /^AC[0-9a-fA-F]{32}$/,
      'must be a Twilio account SID (AC and 32 hex digits) when fieldline:smsMode is twilio',
    );
    const from = text(
      'twilioFrom',
      '',
      /^(\+[1-9]\d{7,14}|MG[0-9a-fA-F]{32})$/,
      'must be an E.164 sender number or a Messaging Service SID (MG...) when fieldline:smsMode is twilio',
    );
    sms = { mode: 'twilio', accountSid, from };
  }
  const config: StageConfig = {
    stage,
    location,
    ...(resourceGroupName ? { resourceGroupName } : {}),
    iotHub,
    signalR,
    search,
    cosmosServerless: flag('cosmosServerless', true),
    functions: {
      nodeVersion,
      alwaysReady: integer('functionsAlwaysReady', 0, 20, 0),
      maximumInstances: integer(
        'functionsMaximumInstances',
        flexMaximumInstances.min,
        flexMaximumInstances.max,
        100,
      ),
      instanceMemoryMB: memory,
    },
    protect: flag('protect', false),
    keyVault: {
      retentionDays: integer('keyVaultRetentionDays', 7, 90, 90),
      purgeProtection: flag('keyVaultPurgeProtection', false),
    },
    ...(nameSuffix ? { nameSuffix } : {}),
    archiveTelemetry: flag('archiveTelemetry', false),
    retentionDays: integer('retentionDays', 1, 3650, 7),
    historyRetentionDays: integer('historyRetentionDays', 1, 3650, 30),
    dashboardExtraOrigins: origins,
    identity: {
      ...(entraClientId ? { entraClientId } : {}),
      ...(userIssuer && userAudience
        ? { users: { issuer: userIssuer, audience: userAudience } }
        : {}),
    },
    ...(twilioWebhookUrl ? { twilioWebhookUrl } : {}),
    ...(alarmWebhookUrl ? { alarmWebhookUrl } : {}),
    sms,
    warnings,
  };
  if (problems.length > 0) throw new StageConfigError(problems);
  return config;
}

type StageReaders = ReturnType<typeof stageReaders>;

/** Readers for `fieldline:*` keys: each reports a bad value by key and falls back, so every problem is listed at once. */
function stageReaders(get: ConfigReader, problems: string[]) {
  const text = (key: string, fallback: string, pattern?: RegExp, rule?: string) => {
    const value = get(key) ?? fallback;
    if (pattern && !pattern.test(value)) problems.push(`fieldline:${key} ${rule}; got "${value}"`);
    return value;
  };
  const oneOf = <T extends string>(key: string, allowed: readonly T[], fallback: T): T => {
    const value = get(key) ?? fallback;
    if (!(allowed as readonly string[]).includes(value)) {
      problems.push(`fieldline:${key} must be one of ${allowed.join(', ')}; got "${value}"`);
      return fallback;
    }
    return value as T;
  };
  const integer = (key: string, min: number, max: number, fallback: number) => {
    const raw = get(key);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`fieldline:${key} must be a whole number from ${min} to ${max}; got "${raw}"`);
      return fallback;
    }
    return value;
  };
  const flag = (key: string, fallback: boolean) => {
    const raw = get(key);
    if (raw === undefined) return fallback;
    if (raw !== 'true' && raw !== 'false')
      problems.push(`fieldline:${key} must be true or false; got "${raw}"`);
    return raw === 'true';
  };

  return { text, oneOf, integer, flag };
}

/**
 * The services' sizes, with the documented platform limits checked here so a stage never
 * half-deploys.
 */
function readCapacities(
  { oneOf, integer }: Pick<StageReaders, 'oneOf' | 'integer'>,
  problems: string[],
): Pick<StageConfig, 'iotHub' | 'search' | 'signalR'> {
  const hubSku = oneOf('iotHubSku', iotHubSkus, 'S1');
  const hubCapacity = integer('iotHubCapacity', 1, 200, 1);
  const partitions = integer('iotHubPartitions', 2, 32, hubSku === 'F1' ? 2 : 4);
  if (hubSku === 'F1' && hubCapacity !== 1)
    problems.push(
      'fieldline:iotHubCapacity must be 1 with iotHubSku F1 (the free tier has one unit)',
    );
  if (hubSku === 'F1' && partitions !== 2)
    problems.push(
      'fieldline:iotHubPartitions must be 2 with iotHubSku F1 (the free tier has two partitions)',
    );
  if (hubSku !== 'F1' && hubCapacity > iotHubMaxUnits(hubSku))
    problems.push(
      `fieldline:iotHubCapacity can be at most ${iotHubMaxUnits(hubSku)} with iotHubSku ${hubSku}`,
    );
  const searchSku = oneOf('searchSku', searchSkus, 'free');
  const searchReplicas = integer('searchReplicas', 1, 12, 1);
  const searchPartitions = integer('searchPartitions', 1, 12, 1);
  // https://learn.microsoft.com/azure/search/search-limits-quotas-capacity
  if (!searchPartitionCounts.includes(searchPartitions))
    problems.push(`fieldline:searchPartitions must be one of ${searchPartitionCounts.join(', ')}`);
  if (searchSku === 'free' && (searchReplicas !== 1 || searchPartitions !== 1))
    problems.push('fieldline:searchReplicas and searchPartitions must be 1 with searchSku free');
  if (searchSku === 'basic' && (searchReplicas > 3 || searchPartitions !== 1))
    problems.push(
      'fieldline:searchReplicas can be at most 3, and searchPartitions only 1, with searchSku basic',
    );
  if (searchSku === 'standard' && searchReplicas * searchPartitions > 36)
    problems.push(
      'fieldline:searchReplicas × searchPartitions can be at most 36 search units with searchSku standard',
    );
  const signalRSku = oneOf('signalRSku', signalRSkus, 'Free_F1');
  const signalRCapacity = integer('signalRCapacity', 1, 100, 1);
  const signalRUnits = signalRUnitCounts(signalRSku);
  if (!signalRUnits.includes(signalRCapacity))
    problems.push(
      signalRSku === 'Free_F1'
        ? 'fieldline:signalRCapacity must be 1 with signalRSku Free_F1'
        : `fieldline:signalRCapacity must be one of ${signalRUnits.join(', ')} with signalRSku ${signalRSku}; got "${signalRCapacity}"`,
    );
  return {
    iotHub: { sku: hubSku, capacity: hubCapacity, partitions },
    signalR: { sku: signalRSku, capacity: signalRCapacity },
    search: { sku: searchSku, replicas: searchReplicas, partitions: searchPartitions },
  };
}
