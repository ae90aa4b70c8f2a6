import * as web from '@pulumi/azure-native/web';
import * as pulumi from '@pulumi/pulumi';
import { grantRole, type RoleName } from './roles';

export interface FunctionAppArgs {
  readonly resourceGroupName: pulumi.Input<string>;
  readonly location: pulumi.Input<string>;
  readonly subscriptionId: pulumi.Input<string>;
  /** Where Flex Consumption keeps the deployment package: a blob container URL. */
  readonly deploymentContainerUrl: pulumi.Input<string>;
  /** App settings, by the names the function code reads. Secrets must be Key Vault references. */
  readonly appSettings: Readonly<Record<string, pulumi.Input<string>>>;
  readonly allowedOrigins: pulumi.Input<pulumi.Input<string>[]>;
  readonly nodeVersion: '20' | '22';
  readonly alwaysReady: number;
  readonly maximumInstances: number;
  readonly instanceMemoryMB: number;
  /** The least roles the app's identity needs, each on its own scope. */
  readonly roles: readonly { readonly role: RoleName; readonly scope: pulumi.Input<string> }[];
}

/**
 * A Flex Consumption function app running Node.js with a system-assigned identity: HTTPS only,
 * TLS 1.2, FTPS off, CORS limited to the dashboard, identity-based connections, and exactly the
 * role assignments listed.
 */
export class FunctionApp extends pulumi.ComponentResource {
  readonly app: web.WebApp;
  readonly name: pulumi.Output<string>;
  readonly defaultHostName: pulumi.Output<string>;
  readonly principalId: pulumi.Output<string>;

  constructor(name: string, args: FunctionAppArgs, opts?: pulumi.ComponentResourceOptions) {
    super('fieldline:compute:FunctionApp', name, {}, opts);
    const child = { parent: this };
    const plan = new web.AppServicePlan(
      `${name}-plan`,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        kind: 'functionapp',
        reserved: true,
        sku: { name: 'FC1', tier: 'FlexConsumption' },
      },
      child,
    );
    this.app = new web.WebApp(
      `${name}-app`,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        kind: 'functionapp,linux',
        serverFarmId: plan.id,
        httpsOnly: true,
        identity: { type: web.ManagedServiceIdentityType.SystemAssigned },
        siteConfig: {
          minTlsVersion: web.SupportedTlsVersions.SupportedTlsVersions_1_2,
          ftpsState: web.FtpsState.Disabled,
          http20Enabled: true,
          cors: { allowedOrigins: args.allowedOrigins, supportCredentials: true },
          appSettings: Object.entries(args.appSettings).map(([settingName, value]) => ({
            name: settingName,
            value,
          })),
        },
        functionAppConfig: {
          deployment: {
            storage: {
              type: 'blobContainer',
              value: args.deploymentContainerUrl,
              authentication: { type: 'SystemAssignedIdentity' },
            },
          },
          runtime: { name: 'node', version: args.nodeVersion },
          scaleAndConcurrency: {
            maximumInstanceCount: args.maximumInstances,
            instanceMemoryMB: args.instanceMemoryMB,
            alwaysReady:
              args.alwaysReady > 0 ? [{ name: 'http', instanceCount: args.alwaysReady }] : [],
          },
        },
      },
      child,
    );
    this.name = this.app.name;
    this.defaultHostName = this.app.defaultHostName;
    this.principalId = this.app.identity.apply((identity) => identity?.principalId ?? '');
    for (const [index, { role, scope }] of args.roles.entries()) {
      grantRole(
        `${name}-role-${role}-${index}`,
        {
          principalId: this.principalId,
          principalType: 'ServicePrincipal',
          role,
          scope,
          subscriptionId: args.subscriptionId,
        },
        child,
      );
    }
    this.registerOutputs({ name: this.name, defaultHostName: this.defaultHostName });
  }
}
