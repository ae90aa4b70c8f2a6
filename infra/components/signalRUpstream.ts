import * as keyvault from '@pulumi/azure-native/keyvault';
import * as managedidentity from '@pulumi/azure-native/managedidentity';
import * as pulumi from '@pulumi/pulumi';
import { createGeneratedKeyProvider } from '../providers/hostKeyProvider';
import { grantRole } from './roles';

class GeneratedKey extends pulumi.dynamic.Resource {
  declare readonly value: pulumi.Output<string>;
  constructor(name: string, opts?: pulumi.CustomResourceOptions) {
    super(
      createGeneratedKeyProvider(),
      name,
      { name, value: undefined },
      { ...opts, additionalSecretOutputs: ['value'] },
      'fieldline-generated-key',
    );
  }
}

export interface SignalRUpstreamKeyArgs {
  readonly resourceGroupName: pulumi.Input<string>;
  readonly location: pulumi.Input<string>;
  readonly vaultName: pulumi.Input<string>;
  readonly identityName: pulumi.Input<string>;
  readonly subscriptionId: pulumi.Input<string>;
}

/**
 * The key SignalR Service presents to the function app's SignalR webhook
 * (`/runtime/webhooks/signalr?code=`, the host's `signalr_extension` system key). The Functions
 * SignalR trigger accepts no other proof from upstream: managed-identity upstream auth only adds a
 * token that the extension does not check. So the key is made here, kept in Key Vault, read there
 * by SignalR's own identity through a Key Vault reference in the upstream URL (the URL itself is not
 * encrypted), and set on the host once the code is deployed (`CodeDeployment`'s `hostKeys`).
 * https://learn.microsoft.com/azure/azure-signalr/concept-upstream#key-vault-secret-reference-in-url-template-settings
 *
 * The identity is user-assigned so that it holds its role before SignalR is created and first
 * reads the secret; the secret's versioned URI in the template makes SignalR read it again
 * whenever it changes (it otherwise rereads every 30 minutes).
 */
export class SignalRUpstreamKey extends pulumi.ComponentResource {
  readonly value: pulumi.Output<string>;
  /** The secret's URI with its version. */
  readonly secretUri: pulumi.Output<string>;
  readonly identity: managedidentity.UserAssignedIdentity;
  /** Created before SignalR, which depends on it. */
  readonly ready: pulumi.Resource[];

  constructor(name: string, args: SignalRUpstreamKeyArgs, opts?: pulumi.ComponentResourceOptions) {
    super('fieldline:realtime:SignalRUpstreamKey', name, {}, opts);
    const child = { parent: this };
    const key = new GeneratedKey(`${name}-key`, child);
    this.value = pulumi.secret(key.value);
    const secret = new keyvault.Secret(
      `${name}-secret`,
      {
        resourceGroupName: args.resourceGroupName,
        vaultName: args.vaultName,
        secretName: 'signalr-upstream-key',
        properties: { value: this.value },
      },
      child,
    );
    this.secretUri = secret.properties.apply((p) => p.secretUriWithVersion ?? '');
    this.identity = new managedidentity.UserAssignedIdentity(
      `${name}-identity`,
      {
        resourceName: args.identityName,
        resourceGroupName: args.resourceGroupName,
        location: args.location,
      },
      child,
    );
    // The one secret, not the vault: SignalR reads nothing else there.
    const access = grantRole(
      `${name}-keyVaultSecretsUser-secret`,
      {
        principalId: this.identity.principalId,
        principalType: 'ServicePrincipal',
        role: 'keyVaultSecretsUser',
        scope: secret.id,
        subscriptionId: args.subscriptionId,
      },
      child,
    );
    this.ready = [secret, access];
    this.registerOutputs({ secretUri: this.secretUri });
  }
}
