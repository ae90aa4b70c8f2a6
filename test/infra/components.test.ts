import { beforeAll, describe, expect, it } from 'vitest';
import type { SynthesizedResource } from '../../infra/synthesize';
import { input, ofType, one, stacks, synthesizeStack } from './stackGraph';

describe.each(stacks)('the $stack stack', ({ stack, file }) => {
  let graph: SynthesizedResource[];
  const prod = stack === 'prod';
  beforeAll(async () => {
    graph = await synthesizeStack(stack, file);
  }, 120_000);

  it('declares one component per concern, each child parented under it', () => {
    const components = graph
      .filter((r) => r.type.startsWith('fieldline:'))
      .map((r) => r.type)
      .sort();
    expect(components).toEqual([
      'fieldline:compute:FunctionApp',
      'fieldline:data:CosmosMongo',
      'fieldline:deploy:CodeDeployment',
      'fieldline:deploy:DashboardSite',
      'fieldline:iot:IotHub',
      'fieldline:monitoring:Monitoring',
      'fieldline:realtime:SignalR',
      'fieldline:security:KeyVault',
      'fieldline:storage:DataStorage',
    ]);
    const orphans = graph.filter(
      (r) =>
        !r.type.startsWith('fieldline:') &&
        r.type !== 'azure-native:resources:ResourceGroup' &&
        r.parent === null,
    );
    expect(orphans.map((r) => r.name)).toEqual([]);
    expect(one(graph, 'azure-native:resources:ResourceGroup').name).toBe(`fl-${stack}`);
  });

  it('storage: the tables, queues and containers the code uses', () => {
    expect(
      ofType(graph, 'azure-native:storage:Table')
        .map((t) => input(t, 'tableName'))
        .sort(),
    ).toEqual(['calibration', 'devicestate', 'productminutes', 'rejections', 'smsoutbox']);
    expect(
      ofType(graph, 'azure-native:storage:Queue')
        .map((q) => input(q, 'queueName'))
        .sort(),
    ).toEqual(['encounters', 'encounters-poison']);
    const containers = ofType(graph, 'azure-native:storage:BlobContainer')
      .map((c) => input(c, 'containerName'))
      .sort();
    expect(containers).toEqual(
      prod ? ['archive', 'deployments', 'reference'] : ['deployments', 'reference'],
    );
    expect(one(graph, 'azure-native:storage:StorageAccountStaticWebsite').inputs).toMatchObject({
      indexDocument: 'index.html',
    });
  });

  it('IoT Hub: the stage SKU, a consumer group per reader, least-privilege policies', () => {
    const hub = one(graph, 'azure-native:iothub:IotHubResource');
    expect(hub.inputs.sku).toEqual(
      prod ? { name: 'S2', capacity: 2 } : { name: 'S1', capacity: 1 },
    );
    expect(input(hub, 'properties.eventHubEndpoints.events.partitionCount')).toBe(prod ? 8 : 2);
    expect(
      (input(hub, 'properties.authorizationPolicies') as { keyName: string; rights: string }[]).map(
        (p) => `${p.keyName}:${p.rights}`,
      ),
    ).toEqual([
      'fieldline-ingest:ServiceConnect',
      'fieldline-registry:RegistryRead, RegistryWrite',
    ]);
    expect(
      ofType(graph, 'azure-native:iothub:IotHubResourceEventHubConsumerGroup').map(
        (g) => g.inputs.name,
      ),
    ).toEqual(['ingest', 'analytics', 'feed']);
    const routes = (input(hub, 'properties.routing.routes') as { name: string }[]).map(
      (r) => r.name,
    );
    expect(routes).toEqual(prod ? ['telemetry', 'archive'] : ['telemetry']);
  });

  it('SignalR, Cosmos and monitoring follow the stage', () => {
    expect(one(graph, 'azure-native:signalrservice:SignalR').inputs.sku).toMatchObject(
      prod ? { name: 'Standard_S1' } : { name: 'Free_F1' },
    );
    const cosmos = one(graph, 'azure-native:cosmosdb:DatabaseAccount');
    expect(cosmos.inputs.capabilities).toEqual(prod ? [] : [{ name: 'EnableServerless' }]);
    expect(
      ofType(graph, 'azure-native:cosmosdb:MongoDBResourceMongoDBCollection').map(
        (c) => c.inputs.collectionName,
      ),
    ).toEqual(['users', 'notifications']);
    expect(one(graph, 'azure-native:applicationinsights:Component').inputs).toMatchObject({
      disableLocalAuth: true,
    });
  });

  it('the function app: Flex Consumption, Node 20, the stage scale settings', () => {
    expect(one(graph, 'azure-native:web:AppServicePlan').inputs.sku).toEqual({
      name: 'FC1',
      tier: 'FlexConsumption',
    });
    const app = one(graph, 'azure-native:web:WebApp');
    expect(input(app, 'functionAppConfig.runtime')).toEqual({ name: 'node', version: '20' });
    expect(input(app, 'functionAppConfig.scaleAndConcurrency')).toMatchObject({
      maximumInstanceCount: prod ? 200 : 40,
      alwaysReady: prod ? [{ name: 'http', instanceCount: 2 }] : [],
    });
    expect(input(app, 'functionAppConfig.deployment.storage.authentication')).toEqual({
      type: 'SystemAssignedIdentity',
    });
  });

  it('the function app: SMS through Twilio in prod (token from Key Vault), the outbox in dev', () => {
    const settings = Object.fromEntries(
      (
        input(one(graph, 'azure-native:web:WebApp'), 'siteConfig.appSettings') as {
          name: string;
          value: unknown;
        }[]
      ).map((s) => [s.name, String(s.value)]),
    );
    if (prod) {
      expect(settings).toMatchObject({
        SMS_MODE: 'twilio',
        TWILIO_ACCOUNT_SID: expect.stringMatching(/^AC/),
        TWILIO_FROM: '+15005550006',
        TWILIO_AUTH_TOKEN: expect.stringMatching(/^@Microsoft\.KeyVault\(SecretUri=/),
      });
    } else {
      expect(settings.SMS_MODE).toBe('outbox');
      expect(settings).not.toHaveProperty('TWILIO_ACCOUNT_SID');
    }
  });

  it('protects stateful resources in prod only, with Key Vault purge protection', () => {
    expect(
      input(one(graph, 'azure-native:keyvault:Vault'), 'properties.enablePurgeProtection'),
    ).toBe(prod ? true : undefined);
  });

  it('deploys the code and the dashboard with content hashes and the generated config', () => {
    const code = one(graph, 'pulumi-nodejs:dynamic/fieldline-onedeploy:Resource');
    expect(code.inputs).toMatchObject({
      publishUrl: expect.stringMatching(/^https:\/\/.+\.scm\.azurewebsites\.net\/api\/publish$/),
      contentHash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const site = one(graph, 'pulumi-nodejs:dynamic/fieldline-staticsite:Resource');
    expect(site.inputs).toMatchObject({
      config: { apiBaseUrl: expect.stringMatching(/^https:\/\/.+\/api$/), stage: stack },
    });
  });
});
