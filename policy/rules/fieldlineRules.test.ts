import { describe, expect, it } from 'vitest';
import { fieldlineRules } from './fieldlineRules';
import type { PolicyResource } from './policyRule';

const flexApp = (overrides: Record<string, unknown> = {}): PolicyResource => ({
  type: 'azure-native:web:WebApp',
  name: 'app',
  props: {
    name: 'fl-dev-api-abc123',
    httpsOnly: true,
    identity: { type: 'SystemAssigned' },
    siteConfig: {
      minTlsVersion: '1.2',
      cors: { allowedOrigins: ['https://dash.example'] },
      appSettings: [{ name: 'X', value: 'y' }],
    },
    functionAppConfig: {
      runtime: { name: 'node', version: '24' },
      scaleAndConcurrency: { instanceMemoryMB: 2048, maximumInstanceCount: 100, alwaysReady: [] },
    },
    ...overrides,
  },
});

/** For each rule, one resource that breaks it, as the defects the Azure review found. */
const violations: Record<string, PolicyResource> = {
  'storage-https-only': { type: 'azure-native:storage:StorageAccount', name: 's', props: {} },
  'http-functions-declared-access': {
    type: 'pulumi-nodejs:dynamic/fieldline-onedeploy:Resource',
    name: 'code',
    props: {
      httpAccess: [
        { name: 'health', route: 'health', access: 'public' },
        { name: 'listDevices', route: 'devices', access: 'public' },
      ],
    },
  },
  'storage-tls-1-2': {
    type: 'azure-native:storage:StorageAccount',
    name: 's',
    props: { minimumTlsVersion: 'TLS1_0' },
  },
  'storage-no-anonymous-blobs': {
    type: 'azure-native:storage:StorageAccount',
    name: 's',
    props: { allowBlobPublicAccess: true },
  },
  'storage-no-shared-key': { type: 'azure-native:storage:StorageAccount', name: 's', props: {} },
  'blob-container-private': {
    type: 'azure-native:storage:BlobContainer',
    name: 'c',
    props: { publicAccess: 'Blob' },
  },
  'function-app-https-only': flexApp({ httpsOnly: false }),
  'function-app-tls-1-2': flexApp({ siteConfig: { minTlsVersion: '1.0' } }),
  'function-app-cors-restricted': flexApp({
    siteConfig: { minTlsVersion: '1.2', cors: { allowedOrigins: ['*'] } },
  }),
  'function-app-managed-identity': flexApp({ identity: undefined }),
  'function-app-no-basic-auth-publishing': {
    type: 'azure-native:web:WebAppScmAllowed',
    name: 'scm',
    props: { allow: true },
  },
  'function-app-secrets-in-key-vault': flexApp({
    siteConfig: { appSettings: [{ name: 'MONGODB_URI', value: 'mongodb://user:pw@host/' }] },
  }),
  'key-vault-recoverable': {
    type: 'azure-native:keyvault:Vault',
    name: 'v',
    props: { properties: {} },
  },
  'key-vault-rbac': {
    type: 'azure-native:keyvault:Vault',
    name: 'v',
    props: { properties: { enableSoftDelete: true } },
  },
  'cosmos-tls-1-2': {
    type: 'azure-native:cosmosdb:DatabaseAccount',
    name: 'c',
    props: { minimalTlsVersion: 'Tls' },
  },
  'iot-hub-least-privilege': {
    type: 'azure-native:iothub:IotHubResource',
    name: 'h',
    props: {
      properties: {
        authorizationPolicies: [
          { keyName: 'iothubowner', rights: 'RegistryWrite, ServiceConnect, DeviceConnect' },
        ],
      },
    },
  },
  'signalr-serverless-identity-only': {
    type: 'azure-native:signalrservice:SignalR',
    name: 'r',
    props: { features: [] },
  },
  // A key written into the URL, to any host, for every hub.
  'signalr-upstream-to-app-webhook': {
    type: 'azure-native:signalrservice:SignalR',
    name: 'r',
    props: {
      upstream: {
        templates: [
          { hubPattern: '*', urlTemplate: 'http://example.com/runtime/webhooks/signalr?code=abc' },
          {
            hubPattern: 'rooms',
            urlTemplate: 'https://fl-dev-api.azurewebsites.net/runtime/webhooks/signalr?code=abc',
          },
        ],
      },
    },
  },
  'search-no-local-auth': {
    type: 'azure-native:search:Service',
    name: 's',
    props: { disableLocalAuth: false, authOptions: { apiKeyOnly: {} } },
  },
  'search-over-tls': flexApp({
    siteConfig: {
      minTlsVersion: '1.2',
      cors: { allowedOrigins: ['https://dash.example'] },
      appSettings: [{ name: 'SEARCH_ENDPOINT', value: 'http://fl-dev-search.search.windows.net' }],
    },
  }),
  'role-assignments-least-privilege': {
    type: 'azure-native:authorization:RoleAssignment',
    name: 'owner-on-account',
    props: {
      roleDefinitionId:
        '/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
      scope:
        '/subscriptions/s/resourceGroups/g/providers/Microsoft.Storage/storageAccounts/fldevabc123',
    },
  },
  // The first `pulumi up` on Flex failed on what azure-native adds to every siteConfig.
  'flex-site-config': flexApp({
    siteConfig: {
      minTlsVersion: '1.2',
      ftpsState: 'Disabled',
      netFrameworkVersion: 'v4.6',
      localMySqlEnabled: false,
    },
  }),
  'flex-app-settings': flexApp({
    siteConfig: { appSettings: [{ name: 'FUNCTIONS_WORKER_RUNTIME', value: 'node' }] },
  }),
  'flex-runtime-supported': flexApp({
    functionAppConfig: { runtime: { name: 'node', version: '20' } },
  }),
  'flex-scale': flexApp({
    functionAppConfig: {
      runtime: { name: 'node', version: '22' },
      scaleAndConcurrency: {
        instanceMemoryMB: 1024,
        maximumInstanceCount: 10,
        alwaysReady: [{ name: 'all', instanceCount: 1 }],
      },
    },
  }),
  'iot-hub-units-and-partitions': {
    type: 'azure-native:iothub:IotHubResource',
    name: 'h',
    props: {
      sku: { name: 'F1', capacity: 2 },
      properties: { eventHubEndpoints: { events: { partitionCount: 4 } } },
    },
  },
  'iot-hub-device-messages-to-built-in-endpoint': {
    type: 'azure-native:iothub:IotHubResource',
    name: 'h',
    props: {
      properties: {
        routing: {
          routes: [
            {
              name: 'twin-changes',
              source: 'TwinChangeEvents',
              condition: 'true',
              endpointNames: ['events'],
              isEnabled: true,
            },
            {
              name: 'archive',
              source: 'DeviceMessages',
              condition: 'true',
              endpointNames: ['archive'],
              isEnabled: true,
            },
          ],
        },
      },
    },
  },
  'signalr-units': {
    type: 'azure-native:signalrservice:SignalR',
    name: 'r',
    props: { sku: { name: 'Standard_S1', capacity: 15 } },
  },
  'cosmos-mongo-ru-server-version': {
    type: 'azure-native:cosmosdb:DatabaseAccount',
    name: 'c',
    props: { kind: 'MongoDB', apiProperties: { serverVersion: '7.0' } },
  },
  'name-key-vault': {
    type: 'azure-native:keyvault:Vault',
    name: 'v',
    props: { vaultName: 'vault-vault1a2b3c4d5e6f7g8' },
  },
  'name-cosmos-account': {
    type: 'azure-native:cosmosdb:DatabaseAccount',
    name: 'c',
    props: { accountName: 'Cosmos_Account' },
  },
  'name-dps': {
    type: 'azure-native:deviceprovisioningservices:IotDpsResource',
    name: 'p',
    props: { provisioningServiceName: 'fl_dev_dps' },
  },
  'dps-linked-hubs': {
    type: 'azure-native:deviceprovisioningservices:IotDpsResource',
    name: 'p',
    props: { properties: { iotHubs: [] } },
  },
  'dps-linked-hub-least-privilege': {
    type: 'azure-native:deviceprovisioningservices:IotDpsResource',
    name: 'p',
    props: {
      properties: {
        iotHubs: [
          {
            connectionString:
              'HostName=h.azure-devices.net;SharedAccessKeyName=iothubowner;SharedAccessKey=a2V5',
            location: 'westeurope',
          },
        ],
      },
    },
  },
  'name-iot-hub': {
    type: 'azure-native:iothub:IotHubResource',
    name: 'h',
    props: { resourceName: 'hub-' },
  },
  'name-signalr': {
    type: 'azure-native:signalrservice:SignalR',
    name: 'r',
    props: { resourceName: '1realtime' },
  },
  'name-function-app': { type: 'azure-native:web:WebApp', name: 'a', props: { name: '-app-' } },
};

describe('the policy pack rules', () => {
  it('every rule has a documented source and a violation case below', () => {
    for (const rule of fieldlineRules) expect(rule.source).toMatch(/^https:\/\//);
    expect(Object.keys(violations).sort()).toEqual(fieldlineRules.map((r) => r.name).sort());
    expect(new Set(fieldlineRules.map((r) => r.name)).size).toBe(fieldlineRules.length);
  });

  it.each(fieldlineRules.map((rule) => [rule.name, rule] as const))(
    '%s reports its violation',
    (name, rule) => {
      const resource = violations[name] as PolicyResource;
      expect(rule.resourceTypes).toContain(resource.type);
      expect(rule.check(resource).length).toBeGreaterThan(0);
    },
  );

  it('Flex rules leave apps on other plans alone, and a compliant Flex app passes', () => {
    const rules = fieldlineRules.filter((r) => r.name.startsWith('flex-'));
    const classic = flexApp({
      functionAppConfig: undefined,
      siteConfig: { ftpsState: 'Disabled' },
    });
    expect(rules.flatMap((r) => r.check(classic))).toEqual([]);
    expect(rules.flatMap((r) => r.check(flexApp()))).toEqual([]);
  });

  it('function-app-cors-restricted refuses credentialed CORS even with named origins', () => {
    const rule = fieldlineRules.find((r) => r.name === 'function-app-cors-restricted');
    const cors = (supportCredentials: boolean) =>
      flexApp({
        siteConfig: {
          minTlsVersion: '1.2',
          cors: { allowedOrigins: ['https://dash.example'], supportCredentials },
        },
      });
    expect(rule?.check(cors(true))).toHaveLength(1);
    expect(rule?.check(cors(false))).toEqual([]);
  });
});
