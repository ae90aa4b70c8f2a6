import * as keyvault from '@pulumi/azure-native/keyvault';
import * as pulumi from '@pulumi/pulumi';

export interface KeyVaultArgs {
  readonly resourceGroupName: pulumi.Input<string>;
  readonly location: pulumi.Input<string>;
  readonly tenantId: pulumi.Input<string>;
  /** Secret name -> value. Values stay Pulumi secrets. */
  readonly secrets: Readonly<Record<string, pulumi.Input<string>>>;
  readonly purgeProtection: boolean;
}

/** Key Vault in RBAC mode holding the app's secrets; app settings refer to them by URI. */
export class KeyVault extends pulumi.ComponentResource {
  readonly vault: keyvault.Vault;
  /** `@Microsoft.KeyVault(SecretUri=...)` for each secret, for app settings. */
  readonly references: Readonly<Record<string, pulumi.Output<string>>>;

  constructor(name: string, args: KeyVaultArgs, opts?: pulumi.ComponentResourceOptions) {
    super('fieldline:security:KeyVault', name, {}, opts);
    const child = { parent: this };
    this.vault = new keyvault.Vault(
      `${name}-vault`,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        properties: {
          tenantId: args.tenantId,
          sku: { family: keyvault.SkuFamily.A, name: keyvault.SkuName.Standard },
          enableRbacAuthorization: true,
          enableSoftDelete: true,
          softDeleteRetentionInDays: args.purgeProtection ? 90 : 7,
          ...(args.purgeProtection ? { enablePurgeProtection: true } : {}),
        },
      },
      { ...child, protect: args.purgeProtection },
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
    this.registerOutputs({});
  }
}
