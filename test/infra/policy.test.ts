import { beforeAll, describe, expect, it } from 'vitest';
import type { SynthesizedResource } from '../../infra/synthesize';
import { uncoveredTypes, validateArmRequest } from '../../infra/validation/armRequestValidator';
import { fieldlineRules } from '../../policy/rules/fieldlineRules';
import { evaluate } from '../../policy/rules/policyRule';
import { input, ofType, one, stacks, synthesizeStack } from './stackGraph';

// The policy pack's rules (policy/rules), run over the synth as `pulumi preview --policy-pack policy`
// runs them over a preview; and every resource's ARM request, checked against the REST specs'
// generated models. Stage-specific expectations follow.
describe.each(stacks)('policy: the $stack stack', ({ stack, file }) => {
  let graph: SynthesizedResource[];
  beforeAll(async () => {
    graph = await synthesizeStack(stack, file);
  }, 120_000);

  it('breaks none of the policy pack rules', () => {
    const resources = graph.map((r) => ({ type: r.type, name: r.name, props: r.inputs }));
    expect(evaluate(fieldlineRules, resources)).toEqual([]);
    // Every rule met something to check, so none passes vacuously.
    const types = new Set(graph.map((r) => r.type));
    expect(
      fieldlineRules
        .filter((rule) => !rule.resourceTypes.some((t) => types.has(t)))
        .map((r) => r.name),
    ).toEqual([]);
  });

  it('sends ARM only requests its REST specs accept (names, required fields, enums, patterns)', () => {
    expect(graph.flatMap(validateArmRequest)).toEqual([]);
    // Without an ARM request model: a storage data-plane call, and the Entra app registration,
    // which goes to Microsoft Graph (its shape is checked by @pulumi/azuread's types).
    expect(uncoveredTypes(graph)).toEqual([
      'azure-native:storage:StorageAccountStaticWebsite',
      'azuread:index/application:Application',
      'azuread:index/applicationIdentifierUri:ApplicationIdentifierUri',
      'azuread:index/servicePrincipal:ServicePrincipal',
    ]);
  });

  it('key vault: purge protection and retention come from their own keys, not from protect', () => {
    const vault = one(graph, 'azure-native:keyvault:Vault');
    expect(input(vault, 'properties.softDeleteRetentionInDays')).toBe(90);
    expect(input(vault, 'properties.enablePurgeProtection')).toBe(
      stack === 'prod' ? true : undefined,
    );
    expect(vault.protect).toBe(stack === 'prod');
  });

  it('CKV_AZURE_132 (exception): key-based metadata writes stay on so the app can create its indexes', () => {
    // The app must create its 2dsphere index through the driver (ARM cannot declare one), which is
    // a key-based metadata write. See cosmosMongo.ts.
    expect(
      ofType(graph, 'azure-native:cosmosdb:DatabaseAccount').map(
        (r) => r.inputs.disableKeyBasedMetadataWriteAccess,
      ),
    ).toEqual([false]);
  });

  it('the app reaches storage and SignalR with its identity, and secrets are Key Vault references', () => {
    const settings = input(one(graph, 'azure-native:web:WebApp'), 'siteConfig.appSettings') as {
      name: string;
      value: string;
    }[];
    const names = settings.map((s) => s.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'AzureWebJobsStorage__accountName',
        'DataStorage__accountName',
        'AzureSignalRConnectionString__serviceUri',
      ]),
    );
    for (const plain of ['AzureWebJobsStorage', 'DataStorage', 'AzureSignalRConnectionString'])
      expect(names).not.toContain(plain);
    for (const name of ['IoTHubEventHub', 'MONGODB_URI'])
      expect(settings.find((s) => s.name === name)?.value).toMatch(
        /^@Microsoft\.KeyVault\(SecretUri=https:\/\/.+\)$/,
      );
  });
});
