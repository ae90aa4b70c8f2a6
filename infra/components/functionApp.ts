import * as managedidentity from '@pulumi/azure-native/managedidentity';
import * as web from '@pulumi/azure-native/web';
import * as pulumi from '@pulumi/pulumi';
import {
  flexInstanceMemoryMB,
  flexMaximumInstances,
  flexRejectedSiteConfig,
  flexRuntimeVersions,
} from '../../policy/rules/flexConsumption';
import type { NodeVersion } from '../stageConfig';
import { refuseArgs } from './componentArgs';
import { grantRole, type RoleGrant } from './roles';

export interface FunctionAppArgs {
  readonly names: {
    /** The site: 2-60 letters, digits and hyphens; its host name is unique across Azure. */
    readonly app: pulumi.Input<string>;
    readonly plan: pulumi.Input<string>;
    /** The user-assigned identity that resolves Key Vault references. */
    readonly keyVaultIdentity: pulumi.Input<string>;
  };
  readonly resourceGroupName: pulumi.Input<string>;
  readonly location: pulumi.Input<string>;
  readonly subscriptionId: pulumi.Input<string>;
  /** Where Flex Consumption keeps the deployment package: a blob container URL. */
  readonly deploymentContainerUrl: pulumi.Input<string>;
  /** App settings, by the names the function code reads. Secrets go in `secretSettings`. */
  readonly appSettings: Readonly<Record<string, pulumi.Input<string>>>;
  /** Settings whose values are `@Microsoft.KeyVault(...)` references into `keyVaultId`. */
  readonly secretSettings: Readonly<Record<string, pulumi.Input<string>>>;
  readonly keyVaultId: pulumi.Input<string>;
  readonly allowedOrigins: pulumi.Input<pulumi.Input<string>[]>;
  readonly nodeVersion: NodeVersion;
  readonly alwaysReady: number;
  readonly maximumInstances: number;
  readonly instanceMemoryMB: number;
  /** The least roles the app's (system-assigned) identity needs, each on its own scope. */
  readonly roles: readonly RoleGrant[];
}

/**
 * Removes the `siteConfig` keys Flex Consumption answers 400 to. azure-native's SDK adds
 * `netFrameworkVersion` and `localMySqlEnabled` to every siteConfig (pulumi-azure-native#4168,
 * #3074), so they are taken out after the SDK has built the inputs. `transformations` (not
 * `transforms`) run inside the program, so the synth shows what ARM receives.
 */
export const withoutFlexRejectedSiteConfig: pulumi.ResourceTransformation = ({ props, opts }) => ({
  props: {
    ...props,
    siteConfig: pulumi
      .output(props.siteConfig)
      .apply((siteConfig: Record<string, unknown>) =>
        Object.fromEntries(
          Object.entries(siteConfig ?? {}).filter(
            ([key]) => !(flexRejectedSiteConfig as readonly string[]).includes(key),
          ),
        ),
      ),
  },
  opts,
});

/**
 * A Flex Consumption function app running Node.js: HTTPS only, TLS 1.2, FTP and SCM basic-auth
 * publishing off, CORS limited to the dashboard, identity-based connections, and exactly the role
 * assignments listed. Key Vault references resolve through a user-assigned identity that holds
 * Key Vault Secrets User before the site exists: a reference the site cannot resolve when it is
 * written stays the literal `@Microsoft.KeyVault(...)` text for up to a day.
 * https://learn.microsoft.com/azure/app-service/app-service-key-vault-references#access-vaults-with-a-user-assigned-identity
 */
export class FunctionApp extends pulumi.ComponentResource {
  readonly app: web.WebApp;
  readonly name: pulumi.Output<string>;
  readonly defaultHostName: pulumi.Output<string>;
  readonly principalId: pulumi.Output<string>;

  constructor(name: string, args: FunctionAppArgs, opts?: pulumi.ComponentResourceOptions) {
    super('fieldline:compute:FunctionApp', name, {}, opts);
    refuseArgs('FunctionApp', name, validate(args));
    const child = { parent: this };
    const plan = new web.AppServicePlan(
      `${name}-plan`,
      {
        name: args.names.plan,
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        kind: 'functionapp',
        reserved: true,
        sku: { name: 'FC1', tier: 'FlexConsumption' },
      },
      child,
    );
    const keyVaultIdentity = new managedidentity.UserAssignedIdentity(
      `${name}-keyvault-identity`,
      {
        resourceName: args.names.keyVaultIdentity,
        resourceGroupName: args.resourceGroupName,
        location: args.location,
      },
      child,
    );
    const keyVaultAccess = grantRole(
      `${name}-keyVaultSecretsUser-vault`,
      {
        principalId: keyVaultIdentity.principalId,
        principalType: 'ServicePrincipal',
        role: 'keyVaultSecretsUser',
        scope: args.keyVaultId,
        subscriptionId: args.subscriptionId,
      },
      child,
    );
    const settings = { ...args.appSettings, ...args.secretSettings };
    this.app = new web.WebApp(
      `${name}-app`,
      {
        name: args.names.app,
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        kind: 'functionapp,linux',
        serverFarmId: plan.id,
        httpsOnly: true,
        identity: {
          type: web.ManagedServiceIdentityType.SystemAssigned_UserAssigned,
          userAssignedIdentities: [keyVaultIdentity.id],
        },
        keyVaultReferenceIdentity: keyVaultIdentity.id,
        siteConfig: {
          minTlsVersion: web.SupportedTlsVersions.SupportedTlsVersions_1_2,
          http20Enabled: true,
          // Bearer tokens, no cookies: the API needs no credentialed CORS.
          cors: { allowedOrigins: args.allowedOrigins, supportCredentials: false },
          appSettings: Object.entries(settings).map(([settingName, value]) => ({
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
      {
        ...child,
        dependsOn: [keyVaultAccess],
        transformations: [withoutFlexRejectedSiteConfig],
      },
    );
    // FTP and SCM basic-auth publishing off; One Deploy authenticates with Entra ID.
    // https://learn.microsoft.com/azure/app-service/configure-basic-auth-disable
    const site = { resourceGroupName: args.resourceGroupName, name: this.app.name };
    new web.WebAppFtpAllowed(`${name}-ftp-basic-auth`, { ...site, allow: false }, child);
    new web.WebAppScmAllowed(`${name}-scm-basic-auth`, { ...site, allow: false }, child);
    this.name = this.app.name;
    this.defaultHostName = this.app.defaultHostName;
    this.principalId = this.app.identity.apply((identity) => identity?.principalId ?? '');
    for (const { role, scope, target } of args.roles) {
      grantRole(
        `${name}-${role}-${target}`,
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
    this.registerOutputs({
      name: this.name,
      defaultHostName: this.defaultHostName,
      principalId: this.principalId,
    });
  }
}

function validate(args: FunctionAppArgs): string[] {
  const problems: string[] = [];
  if (!(args.nodeVersion in flexRuntimeVersions.node))
    problems.push(`nodeVersion ${args.nodeVersion} is not a Flex Consumption Node.js runtime`);
  if (!(flexInstanceMemoryMB as readonly number[]).includes(args.instanceMemoryMB))
    problems.push(`instanceMemoryMB must be one of ${flexInstanceMemoryMB.join(', ')}`);
  const { min, max } = flexMaximumInstances;
  if (args.maximumInstances < min || args.maximumInstances > max)
    problems.push(`maximumInstances must be ${min}-${max}`);
  const targets = args.roles.map(({ role, target }) => `${role}-${target}`);
  const repeated = targets.filter((key, index) => targets.indexOf(key) !== index);
  if (repeated.length > 0) problems.push(`roles repeat: ${repeated.join(', ')}`);
  const plain = Object.keys(args.secretSettings).filter((key) => key in args.appSettings);
  if (plain.length > 0) problems.push(`settings given twice: ${plain.join(', ')}`);
  return problems;
}
