import * as signalrservice from '@pulumi/azure-native/signalrservice';
import * as pulumi from '@pulumi/pulumi';
import { signalRUnitCounts } from '../../policy/rules/serviceLimits';
import { type SignalRSku, signalRSkus } from '../stageConfig';
import { refuseArgs } from './componentArgs';

export interface SignalRArgs {
  /** 3-63 letters, digits and hyphens, unique across Azure (see resourceNames). */
  readonly resourceName: pulumi.Input<string>;
  readonly resourceGroupName: pulumi.Input<string>;
  readonly location: pulumi.Input<string>;
  readonly sku: SignalRSku;
  readonly capacity: number;
  /** Only these origins may negotiate from a browser. */
  readonly allowedOrigins: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Where client invocations and connection events of these hubs go: the function app's SignalR
   * webhook, with its key as a Key Vault reference that `identityId` may read.
   */
  readonly upstream?: {
    readonly hubs: readonly string[];
    readonly urlTemplate: pulumi.Input<string>;
    readonly identityId: pulumi.Input<string>;
  };
}

/**
 * SignalR Service in Serverless mode, identity-only access, CORS limited to the dashboard, and
 * upstream (client invocations) to the function app for the hubs that take them.
 */
export class SignalR extends pulumi.ComponentResource {
  readonly service: signalrservice.SignalR;
  readonly hostName: pulumi.Output<string>;

  constructor(name: string, args: SignalRArgs, opts?: pulumi.ComponentResourceOptions) {
    super('fieldline:realtime:SignalR', name, {}, opts);
    refuseArgs('SignalR', name, [
      ...(signalRSkus.includes(args.sku) ? [] : [`sku must be one of ${signalRSkus.join(', ')}`]),
      ...(signalRUnitCounts(args.sku).includes(args.capacity)
        ? []
        : [`capacity must be one of ${signalRUnitCounts(args.sku).join(', ')} with ${args.sku}`]),
    ]);
    this.service = new signalrservice.SignalR(
      `${name}-service`,
      {
        resourceName: args.resourceName,
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        kind: signalrservice.ServiceKind.SignalR,
        sku: {
          name: args.sku,
          capacity: args.capacity,
          tier: args.sku.startsWith('Free')
            ? 'Free'
            : args.sku.startsWith('Premium')
              ? 'Premium'
              : 'Standard',
        },
        features: [{ flag: signalrservice.FeatureFlags.ServiceMode, value: 'Serverless' }],
        cors: { allowedOrigins: args.allowedOrigins },
        disableLocalAuth: true,
        tls: { clientCertEnabled: false },
        ...(args.upstream
          ? {
              // https://learn.microsoft.com/azure/azure-signalr/concept-upstream#configure-upstream-endpoint-settings-via-resource-manager-template
              upstream: {
                templates: [
                  {
                    hubPattern: args.upstream.hubs.join(','),
                    categoryPattern: 'connections,messages',
                    eventPattern: '*',
                    urlTemplate: args.upstream.urlTemplate,
                  },
                ],
              },
              // The identity that resolves the Key Vault reference in the URL template.
              identity: {
                type: signalrservice.ManagedIdentityType.UserAssigned,
                userAssignedIdentities: [args.upstream.identityId],
              },
            }
          : {}),
      },
      { parent: this },
    );
    this.hostName = this.service.hostName;
    this.registerOutputs({ hostName: this.hostName });
  }
}
