import { describe, expect, it } from 'vitest';
import { requireLikePulumi } from '../offline/loadLikePulumi';
import { childrenOf, synthesizeComponent } from './componentTesting';
import type * as keyVault from './keyVault';
import type { KeyVaultArgs } from './keyVault';

// The name check is a dynamic resource, whose provider Pulumi serialises: loaded as Pulumi loads it.
const { KeyVault } = requireLikePulumi<typeof keyVault>('infra/components/keyVault.ts');

const args: KeyVaultArgs = {
  vaultName: 'fl-test-kv-abc123',
  resourceGroupName: 'fl-test',
  location: 'westeurope',
  tenantId: '00000000-0000-0000-0000-000000000002',
  subscriptionId: '00000000-0000-0000-0000-000000000001',
  secrets: { 'mongodb-uri': 'mongodb://secret' },
  retentionDays: 30,
  purgeProtection: true,
  protect: false,
};

describe('KeyVault', () => {
  it('declares an RBAC vault and one secret per entry, and registers their references', async () => {
    const { resources, registeredOutputs, component } = await synthesizeComponent(
      () => new KeyVault('vault', args),
    );
    const children = childrenOf(resources, 'vault');
    expect(children.find((r) => r.type === 'azure-native:keyvault:Vault')?.inputs).toMatchObject({
      properties: {
        enableRbacAuthorization: true,
        softDeleteRetentionInDays: 30,
        enablePurgeProtection: true,
      },
    });
    expect(children.find((r) => r.type === 'azure-native:keyvault:Secret')?.inputs).toMatchObject({
      secretName: 'mongodb-uri',
      properties: { value: 'mongodb://secret' },
    });
    expect(Object.keys(component?.references ?? {})).toEqual(['mongodb-uri']);
    // A soft-deleted vault of the same name is looked for before the vault is written.
    const check = children.find((r) => r.name === 'vault-name-free');
    expect(check?.inputs).toMatchObject({
      subscriptionId: args.subscriptionId,
      location: 'westeurope',
      vaultName: 'fl-test-kv-abc123',
    });
    expect(children.find((r) => r.type === 'azure-native:keyvault:Vault')?.dependsOn).toContain(
      'vault-name-free',
    );
    expect(registeredOutputs.vault).toEqual(['references', 'vaultId']);
  });

  it('refuses a retention Key Vault does not offer and a secret name it would not take', async () => {
    const { error, resources } = await synthesizeComponent(
      () => new KeyVault('vault', { ...args, retentionDays: 5, secrets: { mongodb_uri: 'x' } }),
    );
    expect(error?.message).toBe(
      'KeyVault vault: retentionDays must be 7-90; got 5; secret names mongodb_uri: 1-127 letters, digits and hyphens',
    );
    expect(childrenOf(resources, 'vault')).toEqual([]);
  });
});
