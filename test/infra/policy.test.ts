import { beforeAll, describe, expect, it } from 'vitest';
import type { SynthesizedResource } from '../../infra/offline/synthesize';
import {
  uncoveredTypes,
  validateArmRequest,
} from '../../infra/offline/validation/armRequestValidator';
import { fieldlineRules } from '../../policy/rules/fieldlineRules';
import { lifecycleRules } from '../../policy/rules/lifecycle';
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

  it('the retirement radar: nothing is past its end today, and on the pinned day nothing even warns', () => {
    const resources = graph.map((r) => ({ type: r.type, name: r.name, props: r.inputs }));
    // Today's date, as `pulumi preview --policy-pack policy` runs it: this fails once an end passes.
    const [retired] = lifecycleRules(() => new Date());
    expect(evaluate(retired ? [retired] : [], resources)).toEqual([]);
    // Both stacks run Node.js 24, whose support ends 2028-04-30: no warning on this pinned day.
    expect(
      evaluate(
        lifecycleRules(() => new Date('2026-12-02T00:00:00Z')),
        resources,
      ),
    ).toEqual([]);
    // ... and, pinned half a year before that end, the radar names it.
    expect(
      evaluate(
        lifecycleRules(() => new Date('2027-11-15T00:00:00Z')),
        resources,
      ).map((f) => `${f.rule}: ${f.message.split(' (')[0]}`),
    ).toEqual([
      'lifecycle-ending: Node.js 24 on Azure Functions leaves support on 2028-04-30, in 168 days',
    ]);
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
