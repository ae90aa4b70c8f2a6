import { createHash } from 'node:crypto';

/**
 * The Azure names of a stage's resources. Without an explicit name, azure-native names a resource
 * after its logical name plus a random suffix (pulumi-azure-native#3665, #4294): `data-account1a2b3c`
 * is no valid storage account name, so every resource whose name Azure restricts gets one here.
 * Rules: https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules
 */
export interface ResourceNames {
  /** Storage account: 3-24 lower-case letters and digits, unique across Azure. */
  readonly storageAccount: string;
  /** Key Vault: 3-24 letters, digits and single hyphens, starting with a letter, unique across Azure. */
  readonly keyVault: string;
  /** Cosmos DB account: 3-44 lower-case letters, digits and hyphens, unique across Azure. */
  readonly cosmosAccount: string;
  /** IoT Hub: 3-50 letters, digits and hyphens, not ending in a hyphen, unique across Azure. */
  readonly iotHub: string;
  /** Device Provisioning Service: 3-64 letters, digits and hyphens, unique across Azure. */
  readonly provisioning: string;
  /** SignalR: 3-63 letters, digits and hyphens, starting with a letter, unique across Azure. */
  readonly signalR: string;
  readonly search: string;
  /** Function app: 2-60 letters, digits and hyphens; its host name is unique across Azure. */
  readonly functionApp: string;
  readonly plan: string;
  readonly logAnalytics: string;
  readonly appInsights: string;
  /** The app's identity for Key Vault references, granted before the app exists. */
  readonly appIdentity: string;
  /** The hub's identity for its storage route, granted before the hub exists. */
  readonly hubIdentity: string;
  readonly signalRIdentity: string;
}

/**
 * A short stable suffix, like ARM's `uniqueString()`: the same inputs always give the same six
 * lower-case letters and digits, so names survive every `pulumi up` of the stage.
 *
 * @example stableSuffix('00000000-...-0001', 'dev') // 'k3x9qa'
 */
export function stableSuffix(...parts: readonly string[]): string {
  const digest = createHash('sha256').update(parts.join('\0')).digest();
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return [...digest.subarray(0, 6)].map((byte) => alphabet[byte % alphabet.length]).join('');
}

/** Names for one stage. `stage` is 2-10 lower-case letters and digits (see stageConfig). */
export function resourceNames(stage: string, suffix: string): ResourceNames {
  const unique = (role: string) => `fl-${stage}-${role}-${suffix}`;
  return {
    storageAccount: `fl${stage}${suffix}`,
    keyVault: unique('kv'),
    cosmosAccount: unique('db'),
    iotHub: unique('hub'),
    provisioning: unique('dps'),
    signalR: unique('rt'),
    search: unique('search'),
    functionApp: unique('api'),
    plan: `fl-${stage}-plan`,
    logAnalytics: `fl-${stage}-logs`,
    appInsights: `fl-${stage}-insights`,
    appIdentity: `fl-${stage}-app-identity`,
    hubIdentity: `fl-${stage}-hub-identity`,
    signalRIdentity: `fl-${stage}-signalr-identity`,
  };
}
