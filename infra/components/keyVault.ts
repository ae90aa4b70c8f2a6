import * as keyvault from '@pulumi/azure-native/keyvault';
import * as pulumi from '@pulumi/pulumi';
import {
  createDeletedVaultCheckProvider,
  type DeletedVaultCheckInputs,
} from '../providers/deletedVaultProvider';
import type { DynamicInputs } from '../providers/dynamicInputs';
import { refuseArgs } from './componentArgs';

class DeletedVaultCheck extends pulumi.dynamic.Resource {
  constructor(
    name: string,
    props: DynamicInputs<DeletedVaultCheckInputs>,
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(createDeletedVaultCheckProvider(), name, props, opts, 'fieldline-deletedvault');
  }
}

export interface KeyVaultArgs {
  /** 3-24 letters, digits and single hyphens, unique across Azure (see resourceNames). */
  readonly vaultName: pulumi.Input<string>;
  readonly resourceGroupName: pulumi.Input<string>;
  readonly location: pulumi.Input<string>;
  readonly tenantId: pulumi.Input<string>;
  /** Where a soft-deleted vault of the same name is looked for before the vault is created. */
  readonly subscriptionId: pulumi.Input<string>;
  /** Secret name -> value. Values stay Pulumi secrets. */
  readonly secrets: Readonly<Record<string, pulumi.Input<string>>>;
  /** 7-90; fixed once the vault exists. */
  readonly retentionDays: number;
  /** Cannot be turned off once on. */
  readonly purgeProtection: boolean;
  /** Pulumi's `protect` on the vault; unlike the two above it may change at any time. */
  readonly protect: boolean;
}

/** Key Vault in RBAC mode holding the app's secrets; app settings refer to them by URI. */
export class KeyVault extends pulumi.ComponentResource {
  readonly vault: keyvault.Vault;
  /** `@Microsoft.KeyVault(SecretUri=...)` for each secret, for app settings. */
  readonly references: Readonly<Record<string, pulumi.Output<string>>>;

  constructor(name: string, args: KeyVaultArgs, opts?: pulumi.ComponentResourceOptions) {
    super('fieldline:security:KeyVault', name, {}, opts);
    // https://learn.microsoft.com/azure/key-vault/general/about-keys-secrets-certificates#object-identifiers
    const badSecrets = Object.keys(args.secrets).filter(
      (secret) => !/^[0-9A-Za-z-]{1,127}$/.test(secret),
    );
    refuseArgs('KeyVault', name, [
      ...(Number.isInteger(args.retentionDays) &&
      args.retentionDays >= 7 &&
      args.retentionDays <= 90
        ? []
        : [`retentionDays must be 7-90; got ${args.retentionDays}`]),
      ...(badSecrets.length > 0
        ? [`secret names ${badSecrets.join(', ')}: 1-127 letters, digits and hyphens`]
        : []),
    ]);
    const child = { parent: this };
    // A re-created stage meets its torn-down vault here, with the command that frees the name.
    const nameIsFree = new DeletedVaultCheck(
      `${name}-name-free`,
      { subscriptionId: args.subscriptionId, location: args.location, vaultName: args.vaultName },
      child,
    );
    this.vault = new keyvault.Vault(
      `${name}-vault`,
      {
        vaultName: args.vaultName,
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        properties: {
          tenantId: args.tenantId,
          sku: { family: keyvault.SkuFamily.A, name: keyvault.SkuName.Standard },
          enableRbacAuthorization: true,
          enableSoftDelete: true,
          // Both are fixed at creation: they come from their own stage keys, never from `protect`,
          // so the README's tear-down (protect false, then up) changes neither.
          softDeleteRetentionInDays: args.retentionDays,
          ...(args.purgeProtection ? { enablePurgeProtection: true } : {}),
        },
      },
      { ...child, protect: args.protect, dependsOn: [nameIsFree] },
    );
    this.references = Object.fromEntries(
      Object.entries(args.secrets).map(([secretName, value]) => {
        const secret = new keyvault.Secret(
          `${name}-${secretName}`,
          {
            resourceGroupName: args.resourceGroupName,
            vaultName: this.vault.name,
            secretName,
            properties: { value: pulumi.secret(value) },
          },
          child,
        );
        return [
          secretName,
          pulumi.interpolate`@Microsoft.KeyVault(SecretUri=${secret.properties.apply((p) => p.secretUri ?? '')})`,
        ];
      }),
    );
    this.registerOutputs({ vaultId: this.vault.id, references: this.references });
  }
}
