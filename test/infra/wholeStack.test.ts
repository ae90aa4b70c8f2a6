import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { tracksIndex } from '../../functions/src/catalog/tracksIndex';
import type { SynthesizedResource } from '../../infra/offline/synthesize';
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
      'fieldline:identity:AppRegistration',
      'fieldline:iot:DeviceProvisioningService',
      'fieldline:iot:IotHub',
      'fieldline:monitoring:Monitoring',
      'fieldline:realtime:SignalR',
      'fieldline:realtime:SignalRUpstreamKey',
      'fieldline:search:SearchService',
      'fieldline:security:KeyVault',
      'fieldline:storage:DataStorage',
    ]);
    const orphans = graph.filter((r) => !r.type.startsWith('fieldline:') && r.parent === null);
    expect(orphans.map((r) => r.name)).toEqual([]);
    // Both stages deploy into the group made at bootstrap, to which their identity is scoped.
    expect(ofType(graph, 'azure-native:resources:ResourceGroup')).toEqual([]);
    const groups = new Set(
      graph.flatMap((r) =>
        typeof r.inputs.resourceGroupName === 'string' ? [r.inputs.resourceGroupName] : [],
      ),
    );
    expect([...groups]).toEqual([`fl-${stack}`]);
  });

  it('storage: the tables, queues and containers the code uses', () => {
    expect(
      ofType(graph, 'azure-native:storage:Table')
        .map((t) => input(t, 'tableName'))
        .sort(),
    ).toEqual([
      'alarmrules',
      'calibration',
      'deadletters',
      'deviceactivity',
      'devicestate',
      'devicetags',
      'models',
      'productminutes',
      'rejections',
      'smsoutbox',
    ]);
    expect(
      ofType(graph, 'azure-native:storage:Queue')
        .map((q) => input(q, 'queueName'))
        .sort(),
    ).toEqual(['alarmwebhook', 'alarmwebhook-poison', 'encounters', 'encounters-poison']);
    const containers = ofType(graph, 'azure-native:storage:BlobContainer')
      .map((c) => input(c, 'containerName'))
      .sort();
    expect(containers).toEqual([
      ...(prod ? ['archive'] : []),
      'azure-webjobs-eventhub',
      'azure-webjobs-hosts',
      'azure-webjobs-secrets',
      'deployments',
      'reference',
    ]);
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
    ).toEqual(['fieldline-ingest:ServiceConnect', 'fieldline-dps:RegistryWrite, ServiceConnect']);
    expect(
      ofType(graph, 'azure-native:iothub:IotHubResourceEventHubConsumerGroup').map(
        (g) => g.inputs.name,
      ),
    ).toEqual(['ingest', 'analytics', 'feed']);
    // Device messages, and the hub's twin change and connection events, reach the built-in
    // endpoint each by a route of its own; the archive takes device messages too in prod.
    const routes = (
      input(hub, 'properties.routing.routes') as {
        name: string;
        source: string;
        endpointNames: string[];
      }[]
    ).map((r) => `${r.name}:${r.source}->${r.endpointNames.join(',')}`);
    expect(routes).toEqual([
      'telemetry:DeviceMessages->events',
      'twin-changes:TwinChangeEvents->events',
      'connection-state:DeviceConnectionStateEvents->events',
      ...(prod ? ['archive:DeviceMessages->archive'] : []),
    ]);
  });

  it('DPS: linked to the hub with its least-rights policy, enrollments with the app identity', () => {
    const service = one(graph, 'azure-native:deviceprovisioningservices:IotDpsResource');
    expect(service.inputs).toMatchObject({
      provisioningServiceName: expect.stringMatching(new RegExp(`^fl-${stack}-dps-[a-z0-9]{6}$`)),
      sku: { name: 'S1', capacity: 1 },
    });
    const [link, ...more] = input(service, 'properties.iotHubs') as { connectionString: string }[];
    expect(more).toEqual([]);
    expect(link?.connectionString).toMatch(/;SharedAccessKeyName=fieldline-dps;SharedAccessKey=/);
    expect(
      ofType(graph, 'azure-native:authorization:RoleAssignment')
        .filter((g) => g.name.endsWith('-dps'))
        .map((g) => g.name),
    ).toEqual(['functions-dpsDataContributor-dps']);
    const app = one(graph, 'azure-native:web:WebApp');
    const settings = (input(app, 'siteConfig.appSettings') as { name: string }[]).map(
      (s) => s.name,
    );
    expect(settings).toEqual(
      expect.arrayContaining(['DPS_HOSTNAME', 'DPS_ID_SCOPE', 'DPS_DEVICE_HOST']),
    );
    expect(settings).not.toContain('DPS_SERVICE_CONNECTION');
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
    ).toEqual([
      'users',
      'smsoptouts',
      'phoneverifications',
      'rooms',
      'roomprofiles',
      'catalog',
      'notifications',
      'roomconnections',
    ]);
    // Presence rows expire when nothing renews them (a lost disconnect), by a TTL on `_ts`.
    const connections = ofType(
      graph,
      'azure-native:cosmosdb:MongoDBResourceMongoDBCollection',
    ).find((c) => c.inputs.collectionName === 'roomconnections');
    expect(JSON.stringify(connections?.inputs.resource)).toContain('"expireAfterSeconds":900');
    // Search: free in dev, keys off; the app's identity reads and writes documents only, and the
    // deployer writes the tracks index definition.
    const searchService = one(graph, 'azure-native:search:Service');
    expect(searchService.inputs).toMatchObject({
      sku: { name: prod ? 'standard' : 'free' },
      replicaCount: prod ? 2 : 1,
      disableLocalAuth: true,
    });
    expect(
      ofType(graph, 'azure-native:authorization:RoleAssignment')
        .filter((g) => g.name.includes('-search'))
        .map((g) => g.name)
        .sort(),
    ).toEqual([
      'functions-searchIndexDataContributor-search',
      'search-deployer-searchServiceContributor',
    ]);
    const index = graph.find((r) => r.name === 'search-index-tracks');
    if (!index) throw new Error('no search-index-tracks in the graph');
    expect(JSON.parse(String(index.inputs.definition))).toEqual(tracksIndex);
    expect(index.dependsOn).toContain('search-deployer-searchServiceContributor');
    expect(one(graph, 'azure-native:applicationinsights:Component').inputs).toMatchObject({
      disableLocalAuth: true,
    });
  });

  it('SignalR sends the rooms hub upstream to the app, with its webhook key from Key Vault', () => {
    const signalR = one(graph, 'azure-native:signalrservice:SignalR');
    const [template, ...others] = input(signalR, 'upstream.templates') as Record<string, unknown>[];
    expect(others).toEqual([]);
    expect(template).toMatchObject({
      hubPattern: 'rooms',
      categoryPattern: 'connections,messages',
    });
    expect(template?.urlTemplate).toMatch(
      /^https:\/\/fl-[a-z]+-[a-z0-9-]+\.azurewebsites\.net\/runtime\/webhooks\/signalr\?code=\{@Microsoft\.KeyVault\(SecretUri=.*\)\}$/,
    );
    const app = one(graph, 'azure-native:web:WebApp');
    expect(template?.urlTemplate).toContain(`https://${input(app, 'name')}.azurewebsites.net/`);
    // SignalR's own identity reads that one secret, and the host's key is set to it after the code.
    const identity = input(signalR, 'identity') as {
      type: string;
      userAssignedIdentities: string[];
    };
    expect(identity.type).toBe('UserAssigned');
    const grants = ofType(graph, 'azure-native:authorization:RoleAssignment').filter((g) =>
      g.name.startsWith('upstream-'),
    );
    expect(grants.map((g) => g.name)).toEqual(['upstream-keyVaultSecretsUser-secret']);
    const hostKey = graph.find((r) => r.name === 'code-systemKeys-signalr_extension');
    expect(hostKey?.inputs).toMatchObject({ keyType: 'systemKeys', keyName: 'signalr_extension' });
  });

  it('the function app: Flex Consumption, the stage Node version, the stage scale settings', () => {
    expect(one(graph, 'azure-native:web:AppServicePlan').inputs.sku).toEqual({
      name: 'FC1',
      tier: 'FlexConsumption',
    });
    const app = one(graph, 'azure-native:web:WebApp');
    expect(input(app, 'functionAppConfig.runtime')).toEqual({ name: 'node', version: '24' });
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
        // The alarm webhook: its URL in settings, its secret only through Key Vault.
        ALARM_WEBHOOK_URL: 'https://ops.example.com/hooks/fieldline-alarms',
        ALARM_WEBHOOK_SECRET: expect.stringMatching(/^@Microsoft\.KeyVault\(SecretUri=/),
        HISTORY_RETENTION_DAYS: '90',
      });
    } else {
      expect(settings.SMS_MODE).toBe('outbox');
      expect(settings).not.toHaveProperty('ALARM_WEBHOOK_URL');
      expect(settings.HISTORY_RETENTION_DAYS).toBe('30');
      expect(settings).not.toHaveProperty('TWILIO_ACCOUNT_SID');
    }
  });

  it('protects stateful resources in prod only, with Key Vault purge protection', () => {
    expect(
      input(one(graph, 'azure-native:keyvault:Vault'), 'properties.enablePurgeProtection'),
    ).toBe(prod ? true : undefined);
  });

  it('names every resource Azure restricts explicitly: valid, stage-derived and stable', () => {
    const nameOf = (type: string, key: string) => String(one(graph, type).inputs[key]);
    const suffix = nameOf('azure-native:storage:StorageAccount', 'accountName').slice(
      2 + stack.length,
    );
    expect(suffix).toMatch(/^[a-z0-9]{6}$/);
    expect(nameOf('azure-native:storage:StorageAccount', 'accountName')).toBe(
      `fl${stack}${suffix}`,
    );
    expect(nameOf('azure-native:keyvault:Vault', 'vaultName')).toBe(`fl-${stack}-kv-${suffix}`);
    expect(nameOf('azure-native:cosmosdb:DatabaseAccount', 'accountName')).toBe(
      `fl-${stack}-db-${suffix}`,
    );
    expect(nameOf('azure-native:iothub:IotHubResource', 'resourceName')).toBe(
      `fl-${stack}-hub-${suffix}`,
    );
    expect(nameOf('azure-native:signalrservice:SignalR', 'resourceName')).toBe(
      `fl-${stack}-rt-${suffix}`,
    );
    expect(nameOf('azure-native:web:WebApp', 'name')).toBe(`fl-${stack}-api-${suffix}`);
    expect(nameOf('azure-native:web:AppServicePlan', 'name')).toBe(`fl-${stack}-plan`);
  });

  it('sends Flex Consumption none of the siteConfig keys it rejects, and turns basic-auth publishing off', () => {
    const siteConfig = input(one(graph, 'azure-native:web:WebApp'), 'siteConfig') as object;
    for (const key of ['ftpsState', 'netFrameworkVersion', 'localMySqlEnabled'])
      expect(siteConfig).not.toHaveProperty(key);
    expect(one(graph, 'azure-native:web:WebAppFtpAllowed').inputs.allow).toBe(false);
    expect(one(graph, 'azure-native:web:WebAppScmAllowed').inputs.allow).toBe(false);
  });

  it('archives through a hub identity granted on the archive container before the hub exists', () => {
    const hub = one(graph, 'azure-native:iothub:IotHubResource');
    if (!prod) {
      expect(hub.inputs.identity).toBeUndefined();
      return;
    }
    const identity = ofType(graph, 'azure-native:managedidentity:UserAssignedIdentity').find((i) =>
      i.name.startsWith('iot-'),
    );
    const grant = ofType(graph, 'azure-native:authorization:RoleAssignment').find(
      (r) => r.inputs.principalId === `${identity?.name}-principal`,
    );
    expect(hub.inputs.identity).toEqual({
      type: 'UserAssigned',
      userAssignedIdentities: [`${identity?.name}-id`],
    });
    expect(grant?.inputs.scope).toMatch(/\/blobServices\/default\/containers\/archive$/);
    expect(hub.dependsOn).toContain(grant?.name);
    expect(input(hub, 'properties.routing.endpoints.storageContainers')).toEqual([
      expect.objectContaining({
        authenticationType: 'identityBased',
        identity: { userAssignedIdentity: `${identity?.name}-id` },
      }),
    ]);
  });

  it('orders and guards against drift: the upload waits for the website; indexes the app made survive an up', () => {
    const upload = one(graph, 'pulumi-nodejs:dynamic/fieldline-staticsite:Resource');
    expect(upload.dependsOn).toContain('data-website');
    for (const collection of ofType(
      graph,
      'azure-native:cosmosdb:MongoDBResourceMongoDBCollection',
    ))
      expect(collection.ignoreChanges).toEqual(['resource.indexes']);
    expect(
      input(one(graph, 'azure-native:cosmosdb:DatabaseAccount'), 'apiProperties.serverVersion'),
    ).toBe('4.2');
    const roleNames = ofType(graph, 'azure-native:authorization:RoleAssignment').map((r) => r.name);
    expect(roleNames.filter((n) => /-\d+$/.test(n))).toEqual([]);
  });

  it('expires notifications after the stage retention, by the TTL index Cosmos supports (_ts)', () => {
    const collections = ofType(graph, 'azure-native:cosmosdb:MongoDBResourceMongoDBCollection');
    const indexes = (name: string) =>
      input(
        collections.find((c) => input(c, 'collectionName') === name) as (typeof collections)[0],
        'resource.indexes',
      );
    expect(indexes('notifications')).toEqual([
      { key: { keys: ['_id'] } },
      { key: { keys: ['_ts'] }, options: { expireAfterSeconds: (prod ? 30 : 7) * 86_400 } },
    ]);
    expect(indexes('users')).toEqual([{ key: { keys: ['_id'] } }]);
  });

  it('sign-in: an Entra app registration with the app roles, the SPA redirect, and the API settings', () => {
    const registration = one(graph, 'azuread:index/application:Application');
    expect(input(registration, 'signInAudience')).toBe('AzureADMyOrg');
    expect(input(registration, 'api.requestedAccessTokenVersion')).toBe(2);
    expect(
      (input(registration, 'appRoles') as { value: string; allowedMemberTypes: string[] }[]).map(
        (role) => [role.value, role.allowedMemberTypes.join('+')],
      ),
    ).toEqual([
      ['Fleet.Read', 'User+Application'],
      ['Fleet.Operate', 'User+Application'],
      ['Fleet.Admin', 'User+Application'],
      ['Users.Manage', 'User+Application'],
      ['Catalog.Manage', 'User+Application'],
    ]);
    // The static website, and in prod the extra dashboard origin too: each page of the build.
    expect(input(registration, 'singlePageApplication.redirectUris')).toEqual([
      expect.stringMatching(/^https:\/\/.+\.web\.core\.windows\.net\/$/),
      expect.stringMatching(/^https:\/\/.+\.web\.core\.windows\.net\/rooms\.html$/),
      ...(prod ? ['https://ops.example.com/', 'https://ops.example.com/rooms.html'] : []),
    ]);
    const clientId = input(
      one(graph, 'azuread:index/servicePrincipal:ServicePrincipal'),
      'clientId',
    );
    expect(
      input(
        one(graph, 'azuread:index/servicePrincipal:ServicePrincipal'),
        'appRoleAssignmentRequired',
      ),
    ).toBe(true);
    expect(
      input(
        one(graph, 'azuread:index/applicationIdentifierUri:ApplicationIdentifierUri'),
        'identifierUri',
      ),
    ).toBe(`api://${clientId}`);
    const settings = Object.fromEntries(
      (
        input(one(graph, 'azure-native:web:WebApp'), 'siteConfig.appSettings') as {
          name: string;
          value: unknown;
        }[]
      ).map((s) => [s.name, String(s.value)]),
    );
    expect(settings).toMatchObject({
      AUTH_ISSUER: expect.stringMatching(
        /^https:\/\/login\.microsoftonline\.com\/[0-9a-f-]{36}\/v2\.0$/,
      ),
      AUTH_AUDIENCE: `${clientId},api://${clientId}`,
    });
    expect(settings.RETENTION_DAYS).toBe(prod ? '30' : '7');
    if (prod)
      expect(settings.TWILIO_WEBHOOK_URL).toBe('https://api.example.com/api/twilio/inbound');
    else expect(settings).not.toHaveProperty('TWILIO_WEBHOOK_URL');
    // The dashboard signs in against the same tenant and client.
    const site = one(graph, 'pulumi-nodejs:dynamic/fieldline-staticsite:Resource');
    expect(input(site, 'config.auth')).toEqual({
      authority: settings.AUTH_ISSUER,
      clientId,
      scopes: ['openid', 'profile', 'offline_access', `api://${clientId}/user_impersonation`],
    });
  });

  it('deploys the code and the dashboard with content hashes and the generated config', () => {
    const code = one(graph, 'pulumi-nodejs:dynamic/fieldline-onedeploy:Resource');
    expect(code.inputs).toMatchObject({
      publishUrl: expect.stringMatching(/^https:\/\/.+\.scm\.azurewebsites\.net\/api\/publish$/),
      contentHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      // What the policy pack checks: every HTTP function's declared access.
      httpAccess: expect.arrayContaining([
        { name: 'health', route: 'health', methods: ['GET'], access: 'public' },
        { name: 'putUser', route: 'users/{username}', methods: ['PUT'], access: 'user' },
      ]),
    });
    const site = one(graph, 'pulumi-nodejs:dynamic/fieldline-staticsite:Resource');
    expect(site.inputs).toMatchObject({
      config: { apiBaseUrl: expect.stringMatching(/^https:\/\/.+\/api$/), stage: stack },
    });
  });
});

it('without fieldline:resourceGroupName, the program creates fl-<stage> itself (a personal stack)', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'fieldline-stack-'));
  try {
    const file = path.join(dir, 'Pulumi.sandbox.yaml');
    const dev = parse(await readFile(path.resolve(__dirname, '../../Pulumi.dev.yaml'), 'utf8')) as {
      config: Record<string, unknown>;
    };
    delete dev.config['fieldline:resourceGroupName'];
    await writeFile(file, stringify(dev));
    const graph = await synthesizeStack(
      'sandbox',
      path.relative(path.resolve(__dirname, '../..'), file),
    );
    const group = one(graph, 'azure-native:resources:ResourceGroup');
    expect(group.inputs).toMatchObject({ resourceGroupName: 'fl-sandbox', location: 'westeurope' });
    expect(one(graph, 'azure-native:storage:StorageAccount').inputs.resourceGroupName).toBe(
      'fl-sandbox',
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}, 120_000);
