import { beforeAll, describe, expect, it } from 'vitest';
import type { SynthesizedResource } from '../../infra/synthesize';
import { input, ofType, one, stacks, synthesizeStack } from './stackGraph';

// Rules from Checkov's Azure checks where they apply, plus what no scanner checks. Each test names
// its rule; a failure names the resource that breaks it.
describe.each(stacks)('policy: the $stack stack', ({ stack, file }) => {
  let graph: SynthesizedResource[];
  beforeAll(async () => {
    graph = await synthesizeStack(stack, file);
  }, 120_000);

  const expectEvery = (type: string, check: (r: SynthesizedResource) => boolean) => {
    const resources = ofType(graph, type);
    expect(resources.length).toBeGreaterThan(0);
    expect(resources.filter((r) => !check(r)).map((r) => r.name)).toEqual([]);
  };

  describe('storage', () => {
    it('CKV_AZURE_3: secure transfer (HTTPS only) is required', () =>
      expectEvery(
        'azure-native:storage:StorageAccount',
        (r) => r.inputs.enableHttpsTrafficOnly === true,
      ));
    it('CKV_AZURE_44: the minimum TLS version is 1.2', () =>
      expectEvery(
        'azure-native:storage:StorageAccount',
        (r) => r.inputs.minimumTlsVersion === 'TLS1_2',
      ));
    it('CKV_AZURE_190: anonymous blob access is disallowed', () =>
      expectEvery(
        'azure-native:storage:StorageAccount',
        (r) => r.inputs.allowBlobPublicAccess === false,
      ));
    it('CKV_AZURE_34: no blob container is public', () =>
      expectEvery('azure-native:storage:BlobContainer', (r) => r.inputs.publicAccess === 'None'));
    it('CKV2_AZURE_40: shared key authorization is disabled', () =>
      expectEvery(
        'azure-native:storage:StorageAccount',
        (r) => r.inputs.allowSharedKeyAccess === false,
      ));
  });

  describe('function app', () => {
    it('CKV_AZURE_70: it is reachable over HTTPS only', () =>
      expectEvery('azure-native:web:WebApp', (r) => r.inputs.httpsOnly === true));
    it('CKV_AZURE_145: it requires TLS 1.2', () =>
      expectEvery(
        'azure-native:web:WebApp',
        (r) => input(r, 'siteConfig.minTlsVersion') === '1.2',
      ));
    it('CKV_AZURE_62: CORS does not admit every origin', () =>
      expectEvery('azure-native:web:WebApp', (r) => {
        const origins = (input(r, 'siteConfig.cors.allowedOrigins') as string[] | undefined) ?? [];
        return (
          origins.length > 0 &&
          origins.every((origin) => origin !== '*' && origin.startsWith('https://'))
        );
      }));
    it('CKV_AZURE_71: it has a managed identity', () =>
      expectEvery('azure-native:web:WebApp', (r) =>
        String(input(r, 'identity.type')).includes('Assigned'),
      ));
    it('FTPS is disabled', () =>
      expectEvery(
        'azure-native:web:WebApp',
        (r) => input(r, 'siteConfig.ftpsState') === 'Disabled',
      ));
  });

  describe('key vault', () => {
    it('CKV_AZURE_42: the vault is recoverable (soft delete; purge protection where stateful resources are protected)', () =>
      expectEvery('azure-native:keyvault:Vault', (r) => {
        const softDelete = input(r, 'properties.enableSoftDelete') === true;
        return stack === 'prod'
          ? softDelete && input(r, 'properties.enablePurgeProtection') === true
          : softDelete;
      }));
    it('CKV_AZURE_110: purge protection is on in prod (dev stays deletable, by design)', () =>
      expectEvery('azure-native:keyvault:Vault', (r) =>
        stack === 'prod' ? input(r, 'properties.enablePurgeProtection') === true : true,
      ));
    it('the vault authorizes with Azure RBAC, not access policies', () =>
      expectEvery(
        'azure-native:keyvault:Vault',
        (r) => input(r, 'properties.enableRbacAuthorization') === true,
      ));
  });

  describe('cosmos db', () => {
    // A documented exception to CKV_AZURE_132: the app must create its 2dsphere index through the
    // driver (ARM cannot declare one), which is a key-based metadata write. See cosmosMongo.ts.
    it('CKV_AZURE_132 (exception): key-based metadata writes stay on so the app can create its indexes', () =>
      expectEvery(
        'azure-native:cosmosdb:DatabaseAccount',
        (r) => r.inputs.disableKeyBasedMetadataWriteAccess === false,
      ));
    it('the minimum TLS version is 1.2', () =>
      expectEvery(
        'azure-native:cosmosdb:DatabaseAccount',
        (r) => r.inputs.minimalTlsVersion === 'Tls12',
      ));
  });

  describe('what no scanner checks', () => {
    it('IoT Hub: TLS 1.2 minimum, module SAS off, and no policy with every right (no iothubowner)', () =>
      expectEvery('azure-native:iothub:IotHubResource', (r) => {
        const policies =
          (input(r, 'properties.authorizationPolicies') as { keyName: string; rights: string }[]) ??
          [];
        const rightsCount = (rights: string) => rights.split(',').length;
        return (
          input(r, 'properties.minTlsVersion') === '1.2' &&
          input(r, 'properties.disableModuleSAS') === true &&
          policies.length > 0 &&
          policies.every(
            (p) =>
              p.keyName !== 'iothubowner' &&
              rightsCount(p.rights) <= 2 &&
              !p.rights.includes('DeviceConnect'),
          )
        );
      }));
    it('SignalR: serverless mode, identity-only access, CORS limited to the dashboard', () =>
      expectEvery('azure-native:signalrservice:SignalR', (r) => {
        const features = (r.inputs.features as { flag: string; value: string }[]) ?? [];
        const origins = (input(r, 'cors.allowedOrigins') as string[]) ?? [];
        return (
          features.some((f) => f.flag === 'ServiceMode' && f.value === 'Serverless') &&
          r.inputs.disableLocalAuth === true &&
          origins.length > 0 &&
          origins.every((o) => o !== '*' && o.startsWith('https://'))
        );
      }));
    it('no app setting holds a plaintext secret: secrets are Key Vault references', () => {
      const looksSecret =
        /AccountKey=|SharedAccessKey=|AccessKey=|password|mongodb(\+srv)?:\/\/[^@/]+:[^@/]+@/i;
      for (const app of ofType(graph, 'azure-native:web:WebApp')) {
        const settings =
          (input(app, 'siteConfig.appSettings') as { name: string; value: string }[]) ?? [];
        const leaks = settings.filter(
          (s) =>
            looksSecret.test(String(s.value)) &&
            !String(s.value).startsWith('@Microsoft.KeyVault('),
        );
        expect(leaks.map((s) => s.name)).toEqual([]);
        for (const name of ['IoTHubEventHub', 'MONGODB_URI']) {
          expect(settings.find((s) => s.name === name)?.value).toMatch(
            /^@Microsoft\.KeyVault\(SecretUri=https:\/\/.+\)$/,
          );
        }
      }
    });
    it('the app reaches storage and SignalR with its identity, not connection strings', () => {
      const settings = (
        input(one(graph, 'azure-native:web:WebApp'), 'siteConfig.appSettings') as { name: string }[]
      ).map((s) => s.name);
      expect(settings).toEqual(
        expect.arrayContaining([
          'AzureWebJobsStorage__accountName',
          'DataStorage__accountName',
          'AzureSignalRConnectionString__serviceUri',
        ]),
      );
      expect(settings).not.toContain('AzureWebJobsStorage');
      expect(settings).not.toContain('DataStorage');
      expect(settings).not.toContain('AzureSignalRConnectionString');
    });
  });
});
