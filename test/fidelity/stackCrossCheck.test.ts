import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requiredSettings } from '../../functions/src/settings/config';
import { containerNames, queueNames, tableNames } from '../../functions/src/settings/settingNames';
import { builtInRoles } from '../../infra/components/roles';
import type { SynthesizedResource } from '../../infra/offline/synthesize';
import { input, ofType, one, stacks, synthesizeStack } from '../infra/stackGraph';
import {
  type BuiltFunctionApp,
  loadBuiltFunctionApp,
  placeholderStorage,
} from '../support/builtFunctionApp';

/**
 * The artifact Azure would receive (the built bundle's registrations) against the stack it is
 * deployed into (the synthesized graph `npm run synth` prints). A name changed on one side only
 * fails here with both sides named.
 */
describe.each(stacks)('the bundle against the $stack stack', ({ stack, file }) => {
  let app: BuiltFunctionApp;
  let graph: SynthesizedResource[];
  let settings: Map<string, string>;
  beforeAll(async () => {
    app = await loadBuiltFunctionApp({ DataStorage: placeholderStorage });
    graph = await synthesizeStack(stack, file);
    const webApp = one(graph, 'azure-native:web:WebApp');
    settings = new Map(
      ((input(webApp, 'siteConfig.appSettings') as { name: string; value: string }[]) ?? []).map(
        (s) => [s.name, String(s.value)],
      ),
    );
  }, 120_000);
  afterAll(() => app?.cleanup());

  const bindings = () =>
    app.registered.flatMap((fn) =>
      Object.values(fn.metadata.bindings).map((binding) => ({ fn: fn.metadata.name, binding })),
    );
  const hasSetting = (name: string) =>
    settings.has(name) || [...settings.keys()].some((key) => key.startsWith(`${name}__`));
  const appSettingNames = () => [...settings.keys()].sort().join(', ');
  const id = (type: string) => `${one(graph, type).name}-id`;

  it('every connection a binding names is an app setting, by exact name or in its identity-based form', () => {
    for (const { fn, binding } of bindings()) {
      for (const key of ['connection', 'connectionStringSetting'] as const) {
        const name = binding[key];
        if (typeof name !== 'string') continue;
        expect(
          hasSetting(name),
          `${fn}'s ${binding.type} binding reads "${name}" (functions), but the stack's function app has no "${name}" or "${name}__*" setting (infra: ${appSettingNames()})`,
        ).toBe(true);
      }
    }
  });

  it('every %SETTING% expression in a binding, and every setting the config module requires, is set', () => {
    for (const { fn, binding } of bindings()) {
      for (const value of Object.values(binding)) {
        for (const [, name] of String(value).matchAll(/%([^%]+)%/g)) {
          expect(
            settings.has(name as string),
            `${fn} binds to %${name}% (functions); the function app does not set it (infra: ${appSettingNames()})`,
          ).toBe(true);
        }
      }
    }
    for (const name of requiredSettings) {
      expect(
        hasSetting(name),
        `loadConfig requires "${name}" (functions/src/settings/config.ts); the function app sets neither it nor "${name}__*" (infra)`,
      ).toBe(true);
    }
  });

  it('a setting that carries a connection string is a Key Vault reference', () => {
    const connectionNames = new Set(
      bindings().flatMap(({ binding }) =>
        [binding.connection, binding.connectionStringSetting].filter(
          (n): n is string => typeof n === 'string',
        ),
      ),
    );
    for (const name of connectionNames) {
      const value = settings.get(name);
      if (value === undefined) continue; // identity-based: no secret at all
      expect(
        value,
        `app setting "${name}" (infra) must be a Key Vault reference, not a connection string`,
      ).toMatch(/^@Microsoft\.KeyVault\(SecretUri=https:\/\/.+\)$/);
    }
  });

  it('every consumer group a trigger reads exists on the hub', () => {
    const declared = ofType(graph, 'azure-native:iothub:IotHubResourceEventHubConsumerGroup').map(
      (g) => String(g.inputs.name),
    );
    for (const { fn, binding } of bindings()) {
      if (binding.type !== 'eventHubTrigger') continue;
      expect(
        declared,
        `${fn} reads consumer group "${binding.consumerGroup}" (functions); the hub declares ${JSON.stringify(declared)} (infra)`,
      ).toContain(binding.consumerGroup);
    }
  });

  it('every queue and table the code uses exists in the stack (tables are also created on first use)', () => {
    const queues = ofType(graph, 'azure-native:storage:Queue').map((q) =>
      String(q.inputs.queueName),
    );
    const bound = bindings().flatMap(({ binding }) =>
      typeof binding.queueName === 'string' ? [binding.queueName] : [],
    );
    for (const queue of [...Object.values(queueNames), ...bound]) {
      expect(
        queues,
        `queue "${queue}" (functions) is not declared in the stack, which has ${JSON.stringify(queues)} (infra)`,
      ).toContain(queue);
      expect(queues, `poison queue "${queue}-poison" is not declared (infra)`).toContain(
        `${queue}-poison`,
      );
    }
    const tables = ofType(graph, 'azure-native:storage:Table').map((t) =>
      String(t.inputs.tableName),
    );
    for (const table of Object.values(tableNames)) {
      expect(
        tables,
        `table "${table}" (functions/src/settings/settingNames.ts) is not declared in the stack, which has ${JSON.stringify(tables)} (infra)`,
      ).toContain(table);
    }
  });

  it("the app's identity holds a role for every data-plane operation the code performs, on the right scope", () => {
    const app = one(graph, 'azure-native:web:WebApp');
    const principal = `${app.name}-principal`;
    const granted = ofType(graph, 'azure-native:authorization:RoleAssignment')
      .filter((r) => r.inputs.principalId === principal)
      .map((r) => ({
        role: String(r.inputs.roleDefinitionId).split('/').at(-1),
        scope: String(r.inputs.scope),
      }));
    const account = one(graph, 'azure-native:storage:StorageAccount');
    const accountId = `/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/fl-${stack}/providers/Microsoft.Storage/storageAccounts/${String(account.inputs.accountName)}`;
    const container = (name: string) => `${accountId}/blobServices/default/containers/${name}`;
    const needs: { why: string; role: keyof typeof builtInRoles; scope: string }[] = [
      ...['azure-webjobs-hosts', 'azure-webjobs-secrets', 'azure-webjobs-eventhub'].map((name) => ({
        why: `AzureWebJobsStorage__accountName: the host's own container ${name}`,
        role: 'storageBlobDataOwner' as const,
        scope: container(name),
      })),
      {
        why: 'the Flex deployment package (functionAppConfig.deployment.storage)',
        role: 'storageBlobDataContributor',
        scope: container('deployments'),
      },
      {
        why: 'product reference data (reference/products.json), read only',
        role: 'storageBlobDataReader',
        scope: container(containerNames.reference),
      },
      // Each table and queue, not the account (the stack declares every one).
      ...Object.values(tableNames).map((table) => ({
        why: `the table ${table}`,
        role: 'storageTableDataContributor' as const,
        scope: `${accountId}/tableServices/default/tables/${table}`,
      })),
      ...Object.values(queueNames).flatMap((queue) =>
        [queue, `${queue}-poison`].map((name) => ({
          why: `the queue ${name} (the queue trigger moves failed messages to -poison)`,
          role: 'storageQueueDataContributor' as const,
          scope: `${accountId}/queueServices/default/queues/${name}`,
        })),
      ),
      {
        why: 'SignalR REST API with the app identity: sends and :generateToken (negotiate)',
        role: 'signalRRestApiOwner',
        scope: id('azure-native:signalrservice:SignalR'),
      },
      {
        why: 'Application Insights with Entra ID (APPLICATIONINSIGHTS_AUTHENTICATION_STRING)',
        role: 'monitoringMetricsPublisher',
        scope: id('azure-native:applicationinsights:Component'),
      },
      {
        why: 'device registration, twins, commands and jobs with the identity: IOTHUB_HOSTNAME without IOTHUB_REGISTRY_CONNECTION',
        role: 'iotHubDataContributor',
        scope: id('azure-native:iothub:IotHubResource'),
      },
      {
        why: 'enrollment groups with the identity: DPS_HOSTNAME without DPS_SERVICE_CONNECTION',
        role: 'dpsDataContributor',
        scope: id('azure-native:deviceprovisioningservices:IotDpsResource'),
      },
      {
        why: 'catalog writes and queries on the tracks index (SEARCH_ENDPOINT without SEARCH_API_KEY)',
        role: 'searchIndexDataContributor',
        scope: id('azure-native:search:Service'),
      },
    ];
    for (const need of needs) {
      expect(
        granted,
        `the code needs ${need.role} for ${need.why} (functions); the stack does not grant it on ${need.scope} (infra)`,
      ).toContainEqual({ role: builtInRoles[need.role], scope: need.scope });
    }
    expect(granted, 'the app holds no role the code does not need').toHaveLength(needs.length);
  });

  it('Key Vault references resolve through an identity that holds Key Vault Secrets User before the site exists', () => {
    const app = one(graph, 'azure-native:web:WebApp');
    const identity = ofType(graph, 'azure-native:managedidentity:UserAssignedIdentity').find(
      (candidate) => `${candidate.name}-id` === app.inputs.keyVaultReferenceIdentity,
    );
    if (!identity) throw new Error('keyVaultReferenceIdentity names no identity of the stack');
    const grant = ofType(graph, 'azure-native:authorization:RoleAssignment').find(
      (r) => r.inputs.principalId === `${identity.name}-principal`,
    );
    expect(grant?.inputs.roleDefinitionId).toMatch(builtInRoles.keyVaultSecretsUser);
    expect(grant?.inputs.scope).toBe(id('azure-native:keyvault:Vault'));
    expect(app.dependsOn).toContain(grant?.name);
  });
});
