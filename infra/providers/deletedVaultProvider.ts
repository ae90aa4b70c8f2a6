import type * as pulumi from '@pulumi/pulumi';
import { type ArmCallDeps, armCall } from './armCredential';

export interface DeletedVaultCheckInputs {
  readonly subscriptionId: string;
  readonly location: string;
  readonly vaultName: string;
}

// https://learn.microsoft.com/rest/api/keyvault/keyvault/vaults/get-deleted
const apiVersion = '2023-07-01';

interface DeletedVault {
  readonly properties?: {
    readonly vaultId?: string;
    readonly scheduledPurgeDate?: string;
    readonly purgeProtectionEnabled?: boolean;
  };
}

/**
 * Looks, before a stage's vault is created, for a soft-deleted vault of the same name: after a
 * tear-down it keeps its name for its retention period, and ARM then refuses the new vault.
 * Recovering it (`createMode: recover`) would bring back its secrets, and azure-native refuses to
 * create a resource that already exists ("cannot create already existing resource"), so every
 * `keyvault.Secret` of the stack would fail instead. So this stops the `up` with the exact command
 * that frees the name, or, under purge protection, the day it frees itself and the key that picks
 * another name. A deployer that may not read deleted vaults (403) is let through: ARM then reports
 * the conflict itself.
 */
export function createDeletedVaultCheckProvider(
  deps: ArmCallDeps = {},
): pulumi.dynamic.ResourceProvider {
  const { fetch: request, getToken } = armCall(deps);

  async function check(inputs: DeletedVaultCheckInputs): Promise<{ checked: boolean }> {
    const url = `https://management.azure.com/subscriptions/${inputs.subscriptionId}/providers/Microsoft.KeyVault/locations/${encodeURIComponent(inputs.location)}/deletedVaults/${encodeURIComponent(inputs.vaultName)}?api-version=${apiVersion}`;
    const response = await request(url, {
      headers: { authorization: `Bearer ${await getToken()}` },
    });
    if (response.status === 404) return { checked: true };
    if (response.status === 403) return { checked: false };
    if (!response.ok)
      throw new Error(
        `looking for a deleted Key Vault ${inputs.vaultName} answered ${response.status}: ${(await response.text()).slice(0, 300)}`,
      );
    const deleted = (await response.json()) as DeletedVault;
    const purgeAt =
      deleted.properties?.scheduledPurgeDate?.slice(0, 10) ?? 'the end of its retention';
    throw new Error(
      deleted.properties?.purgeProtectionEnabled
        ? `Key Vault ${inputs.vaultName} was deleted and is purge-protected until ${purgeAt}, so its name cannot be reused before then. Set another suffix (pulumi config set fieldline:nameSuffix <4-6 letters and digits>) to deploy now.`
        : `Key Vault ${inputs.vaultName} was deleted and still holds its name (soft delete). Free it with: az keyvault purge --name ${inputs.vaultName} --location ${inputs.location} (this destroys its old secrets), or set another suffix: pulumi config set fieldline:nameSuffix <4-6 letters and digits>.`,
    );
  }

  return {
    async create(inputs: DeletedVaultCheckInputs) {
      const { checked } = await check(inputs);
      return { id: `${inputs.location}/${inputs.vaultName}`, outs: { ...inputs, checked } };
    },
    async diff(_id: string, olds: DeletedVaultCheckInputs, news: DeletedVaultCheckInputs) {
      const replaces = (['subscriptionId', 'location', 'vaultName'] as const).filter(
        (key) => olds[key] !== news[key],
      );
      return { changes: replaces.length > 0, replaces, deleteBeforeReplace: false };
    },
  };
}
