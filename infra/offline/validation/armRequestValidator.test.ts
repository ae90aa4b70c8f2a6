import { describe, expect, it } from 'vitest';
import { autoName, type SynthesizedResource } from '../synthesize';
import { validateArmRequest } from './armRequestValidator';

const resource = (type: string, inputs: Record<string, unknown>): SynthesizedResource => ({
  type,
  name: 'under-test',
  parent: null,
  inputs,
  dependsOn: [],
  ignoreChanges: [],
  protect: false,
});

const storage = (inputs: Record<string, unknown>) =>
  resource('azure-native:storage:StorageAccount', {
    resourceGroupName: 'fl-dev',
    location: 'westeurope',
    kind: 'StorageV2',
    sku: { name: 'Standard_LRS' },
    ...inputs,
  });

describe('validateArmRequest', () => {
  it('refuses the storage account name azure-native makes up (AccountNameInvalid on the first up)', () => {
    const problems = validateArmRequest(storage({ accountName: autoName('data-account') }));
    expect(problems).toEqual([
      expect.objectContaining({
        at: 'path.accountName',
        message: expect.stringMatching(/Pattern/),
      }),
    ]);
    expect(validateArmRequest(storage({ accountName: 'fldevk3x9qa' }))).toEqual([]);
    expect(validateArmRequest(storage({ accountName: 'fl' }))[0]?.message).toMatch(/MinLength/);
  });

  it('reports a missing name, a missing required body field, a closed enum and an unknown property', () => {
    const problems = validateArmRequest(
      storage({
        accountName: undefined,
        kind: undefined,
        allowBlobPublicAccess: 'no',
        blobTier: 'Hot',
      }),
    ).map((p) => `${p.at}: ${p.message}`);
    expect(problems).toEqual([
      expect.stringMatching(/^path\.accountName: accountName is missing/),
      'body.kind: is required and missing',
      expect.stringMatching(/^body\.allowBlobPublicAccess: must be true or false/),
      'body.blobTier: is no property of this API version',
    ]);
  });

  it('checks nested models and the name patterns some specs keep on the model (IoT Hub)', () => {
    const hub = (name: string, rights: string) =>
      resource('azure-native:iothub:IotHubResource', {
        resourceName: name,
        resourceGroupName: 'fl-dev',
        location: 'westeurope',
        sku: { name: 'S1', capacity: 1 },
        properties: { authorizationPolicies: [{ keyName: 'ingest', rights }] },
      });
    expect(validateArmRequest(hub('fl-dev-hub-k3x9qa', 'ServiceConnect'))).toEqual([]);
    expect(validateArmRequest(hub('hub-', 'ServiceConnect')).map((p) => p.at)).toEqual([
      'path.resourceName',
    ]);
    expect(validateArmRequest(hub('fl-dev-hub', 'Everything')).map((p) => p.at)).toEqual([
      'body.properties.authorizationPolicies[0].rights',
    ]);
  });

  it('takes azure-native user-assigned identity lists as the ARM dictionary they become', () => {
    const app = resource('azure-native:web:WebApp', {
      name: 'fl-dev-api-k3x9qa',
      resourceGroupName: 'fl-dev',
      location: 'westeurope',
      identity: {
        type: 'SystemAssigned, UserAssigned',
        userAssignedIdentities: ['/subscriptions/s/id'],
      },
    });
    expect(validateArmRequest(app)).toEqual([]);
  });

  it('knows nothing of types without a request model', () => {
    expect(
      validateArmRequest(resource('azure-native:storage:StorageAccountStaticWebsite', {})),
    ).toEqual([]);
  });
});
