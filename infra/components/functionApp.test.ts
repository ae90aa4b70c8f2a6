import { describe, expect, it } from 'vitest';
import { childrenOf, synthesizeComponent } from './componentTesting';
import { FunctionApp, type FunctionAppArgs } from './functionApp';
import type { RoleGrant } from './roles';

const storageRole: RoleGrant = {
  role: 'storageTableDataContributor',
  scope: '/data',
  target: 'data',
};
const signalRRole: RoleGrant = {
  role: 'signalRRestApiOwner',
  scope: '/signalr',
  target: 'realtime',
};

const args = (roles: readonly RoleGrant[]): FunctionAppArgs => ({
  names: { app: 'fl-test-api-abc123', plan: 'fl-test-plan', keyVaultIdentity: 'fl-test-app-id' },
  resourceGroupName: 'fl-test',
  location: 'westeurope',
  subscriptionId: 's',
  deploymentContainerUrl: 'https://fltest.blob.core.windows.net/deployments',
  appSettings: { DataStorage__accountName: 'fltest' },
  secretSettings: { MONGODB_URI: '@Microsoft.KeyVault(SecretUri=https://v/secrets/mongodb-uri)' },
  keyVaultId: '/vault',
  allowedOrigins: ['https://dash.example'],
  nodeVersion: '24',
  alwaysReady: 0,
  maximumInstances: 40,
  instanceMemoryMB: 2048,
  roles,
});

describe('FunctionApp', () => {
  it('declares a Flex Consumption app whose Key Vault identity is granted before the app reads its settings', async () => {
    const { resources, registeredOutputs } = await synthesizeComponent(
      () => new FunctionApp('functions', args([storageRole])),
    );
    const children = childrenOf(resources, 'functions');
    expect(
      children.find((r) => r.type === 'azure-native:web:AppServicePlan')?.inputs,
    ).toMatchObject({ sku: { name: 'FC1', tier: 'FlexConsumption' } });
    const app = children.find((r) => r.type === 'azure-native:web:WebApp');
    expect(app?.inputs).toMatchObject({
      httpsOnly: true,
      // Bearer tokens only: no credentialed CORS.
      siteConfig: { cors: { supportCredentials: false } },
      functionAppConfig: {
        runtime: { name: 'node', version: '24' },
        scaleAndConcurrency: { maximumInstanceCount: 40, instanceMemoryMB: 2048 },
      },
    });
    expect(JSON.stringify(app?.inputs)).not.toMatch(/netFrameworkVersion|ftpsState/);
    expect(
      (
        (app?.inputs.siteConfig ?? { appSettings: [] }) as { appSettings: { name: string }[] }
      ).appSettings.map((s) => s.name),
    ).toEqual(['DataStorage__accountName', 'MONGODB_URI']);
    expect(app?.dependsOn).toContain('functions-keyVaultSecretsUser-vault');
    expect(registeredOutputs.functions).toEqual(['defaultHostName', 'name', 'principalId']);
  });

  it('keeps a role assignment’s names when other roles come and go', async () => {
    const names = async (roles: readonly RoleGrant[]) => {
      const { resources } = await synthesizeComponent(
        () => new FunctionApp('functions', args(roles)),
      );
      return Object.fromEntries(
        childrenOf(resources, 'functions')
          .filter((r) => r.type === 'azure-native:authorization:RoleAssignment')
          .map((r) => [r.name, r.inputs.roleAssignmentName]),
      );
    };
    const both = await names([storageRole, signalRRole]);
    const one = await names([signalRRole]);
    expect(one['functions-signalRRestApiOwner-realtime']).toBeDefined();
    expect(one['functions-signalRRestApiOwner-realtime']).toBe(
      both['functions-signalRRestApiOwner-realtime'],
    );
  });

  it('refuses what Flex Consumption does not offer, before creating anything', async () => {
    const { error, resources } = await synthesizeComponent(
      () =>
        new FunctionApp('functions', {
          ...args([storageRole, storageRole]),
          instanceMemoryMB: 1024,
        }),
    );
    expect(error?.message).toMatch(
      /^FunctionApp functions: instanceMemoryMB must be one of .*; roles repeat: /,
    );
    expect(childrenOf(resources, 'functions')).toEqual([]);
  });
});
