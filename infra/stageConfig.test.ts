import { describe, expect, it } from 'vitest';
import { readStageConfig, StageConfigError } from './stageConfig';

const reader = (values: Record<string, string>) => (key: string) => values[key];

describe('readStageConfig', () => {
  it('gives a cheap stage from defaults', () => {
    expect(readStageConfig(reader({}), 'dev')).toMatchObject({
      stage: 'dev',
      location: 'westeurope',
      iotHub: { sku: 'S1', capacity: 1, partitions: 4 },
      signalR: { sku: 'Free_F1', capacity: 1 },
      cosmosServerless: true,
      functions: {
        nodeVersion: '24',
        alwaysReady: 0,
        maximumInstances: 100,
        instanceMemoryMB: 2048,
      },
      protect: false,
      keyVault: { retentionDays: 90, purgeProtection: false },
    });
  });

  it('refuses a Node.js version Azure Functions no longer supports, naming the day it ended', () => {
    expect(() => readStageConfig(reader({ nodeVersion: '20' }), 'dev')).toThrow(
      'fieldline:nodeVersion 20 left Azure Functions support on 2026-04-30; use 24',
    );
    expect(() => readStageConfig(reader({ nodeVersion: '23' }), 'dev')).toThrow(
      'fieldline:nodeVersion must be one of 24, 22; got "23"',
    );
    expect(readStageConfig(reader({ nodeVersion: '24' }), 'dev')).toMatchObject({
      functions: { nodeVersion: '24' },
      warnings: [],
    });
  });

  it('runs Node.js 24 by default, and allows 22 with a warning naming its end of support', () => {
    expect(readStageConfig(reader({}), 'dev')).toMatchObject({
      functions: { nodeVersion: '24' },
      warnings: [],
    });
    expect(readStageConfig(reader({ nodeVersion: '22' }), 'dev')).toMatchObject({
      functions: { nodeVersion: '22' },
      warnings: [
        'fieldline:nodeVersion 22 leaves Azure Functions support on 2027-04-30; move to 24 (remove the key, or set "24")',
      ],
    });
  });

  it('creates the app registration unless entraClientId names one; app users may have their own issuer', () => {
    expect(readStageConfig(reader({}), 'dev').identity).toEqual({});
    const existing = '5b2c4f7e-1d3a-4c8e-9f00-2a6b7c8d9e10';
    expect(
      readStageConfig(
        reader({
          entraClientId: existing,
          userIssuer: 'https://fieldline.ciamlogin.com/tenant-id/v2.0',
          userAudience: 'app-client-id',
        }),
        'dev',
      ).identity,
    ).toEqual({
      entraClientId: existing,
      users: {
        issuer: 'https://fieldline.ciamlogin.com/tenant-id/v2.0',
        audience: 'app-client-id',
      },
    });
    expect(() => readStageConfig(reader({ entraClientId: 'my-app' }), 'dev')).toThrow(
      'fieldline:entraClientId must be the application (client) id of an existing registration',
    );
    expect(() => readStageConfig(reader({ userIssuer: 'https://i.example' }), 'dev')).toThrow(
      'fieldline:userIssuer and fieldline:userAudience go together',
    );
    expect(() =>
      readStageConfig(reader({ twilioWebhookUrl: 'http://api.example.com/x' }), 'dev'),
    ).toThrow('fieldline:twilioWebhookUrl must be the https URL Twilio calls');
    expect(() =>
      readStageConfig(reader({ alarmWebhookUrl: 'http://hooks.example.com/x' }), 'dev'),
    ).toThrow('fieldline:alarmWebhookUrl must be the https URL alarm changes are POSTed to');
  });

  it('keeps Key Vault retention and purge protection apart from protect, which a tear-down flips', () => {
    const protectedStage = readStageConfig(reader({ protect: 'true' }), 'prod');
    const tornDown = readStageConfig(reader({ protect: 'false' }), 'prod');
    expect(protectedStage.keyVault).toEqual(tornDown.keyVault);
    expect(
      readStageConfig(
        reader({ keyVaultRetentionDays: '30', keyVaultPurgeProtection: 'true' }),
        'prod',
      ).keyVault,
    ).toEqual({ retentionDays: 30, purgeProtection: true });
    expect(() => readStageConfig(reader({ keyVaultRetentionDays: '120' }), 'dev')).toThrow(
      /fieldline:keyVaultRetentionDays must be a whole number from 7 to 90/,
    );
  });

  it('takes a name suffix short enough for every globally unique name', () => {
    expect(readStageConfig(reader({ nameSuffix: 'ab12' }), 'dev').nameSuffix).toBe('ab12');
    expect(() => readStageConfig(reader({ nameSuffix: 'Too-Long-1' }), 'dev')).toThrow(
      /fieldline:nameSuffix must be 4-6 lower-case letters and digits/,
    );
  });

  it('names every bad key with its allowed values, and the platform limits it breaks', () => {
    let error: unknown;
    try {
      readStageConfig(
        reader({
          iotHubSku: 'F1',
          iotHubCapacity: '2',
          signalRSku: 'Gold',
          protect: 'yes',
          functionsInstanceMemoryMB: '1024',
          dashboardExtraOrigins: 'http://*.example',
        }),
        'Dev Stage',
      );
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(StageConfigError);
    const message = (error as Error).message;
    expect(message).toContain('fieldline:stage must be 2-10 lower-case letters');
    expect(message).toContain('fieldline:iotHubCapacity must be 1 with iotHubSku F1');
    expect(message).toContain(
      'fieldline:signalRSku must be one of Free_F1, Standard_S1, Premium_P1; got "Gold"',
    );
    expect(message).toContain('fieldline:protect must be true or false; got "yes"');
    expect(message).toContain('fieldline:functionsInstanceMemoryMB must be one of 512, 2048, 4096');
    expect(message).toContain('fieldline:dashboardExtraOrigins must list https origins');
  });

  it('holds search replicas and partitions to what each tier allows', () => {
    expect(() => readStageConfig(reader({ searchReplicas: '2' }), 'dev')).toThrow(
      'fieldline:searchReplicas and searchPartitions must be 1 with searchSku free',
    );
    expect(() =>
      readStageConfig(reader({ searchSku: 'basic', searchPartitions: '2' }), 'dev'),
    ).toThrow('searchPartitions only 1, with searchSku basic');
    expect(() =>
      readStageConfig(reader({ searchSku: 'standard', searchPartitions: '5' }), 'dev'),
    ).toThrow('fieldline:searchPartitions must be one of 1, 2, 3, 4, 6, 12');
    expect(
      readStageConfig(
        reader({ searchSku: 'standard', searchReplicas: '3', searchPartitions: '12' }),
        'prod',
      ).search,
    ).toEqual({ sku: 'standard', replicas: 3, partitions: 12 });
  });

  // Regression: the stage accepted any 1-100 SignalR units and up to 200 B3 hub units, which the
  // service (and the policy pack) refuse.
  it('holds units to the counts each tier allows', () => {
    expect(() =>
      readStageConfig(reader({ signalRSku: 'Standard_S1', signalRCapacity: '15' }), 'prod'),
    ).toThrow(
      /fieldline:signalRCapacity must be one of 1, 2, .* 100 with signalRSku Standard_S1; got "15"/,
    );
    expect(
      readStageConfig(reader({ signalRSku: 'Standard_S1', signalRCapacity: '20' }), 'prod').signalR
        .capacity,
    ).toBe(20);
    expect(() =>
      readStageConfig(reader({ iotHubSku: 'B3', iotHubCapacity: '11' }), 'prod'),
    ).toThrow('fieldline:iotHubCapacity can be at most 10 with iotHubSku B3');
  });

  it('gives the free hub its two partitions', () => {
    expect(readStageConfig(reader({ iotHubSku: 'F1' }), 'dev').iotHub.partitions).toBe(2);
    expect(() =>
      readStageConfig(reader({ iotHubSku: 'F1', iotHubPartitions: '4' }), 'dev'),
    ).toThrow(/iotHubPartitions must be 2/);
  });

  it('keeps SMS in the outbox unless Twilio is configured in full', () => {
    expect(readStageConfig(reader({}), 'dev').sms).toEqual({ mode: 'outbox' });
    expect(() => readStageConfig(reader({ smsMode: 'twilio' }), 'dev')).toThrow(
      /fieldline:twilioAccountSid must be a Twilio account SID[\s\S]*fieldline:twilioFrom must be an E.164/,
    );
    expect(() => readStageConfig(reader({ smsMode: 'pigeon' }), 'dev')).toThrow(
      'fieldline:smsMode must be one of outbox, twilio; got "pigeon"',
    );
    const sid = `AC${'0'.repeat(32)}`;
    expect(
      readStageConfig(
        reader({ smsMode: 'twilio', twilioAccountSid: sid, twilioFrom: '+447700900123' }),
        'prod',
      ).sms,
    ).toEqual({ mode: 'twilio', accountSid: sid, from: '+447700900123' });
  });

  it('deploys into an existing resource group when one is named, checking the name', () => {
    expect(readStageConfig(reader({}), 'dev').resourceGroupName).toBeUndefined();
    expect(readStageConfig(reader({ resourceGroupName: 'fl-dev' }), 'dev').resourceGroupName).toBe(
      'fl-dev',
    );
    expect(() => readStageConfig(reader({ resourceGroupName: 'bad name.' }), 'dev')).toThrow(
      'fieldline:resourceGroupName must be 1-90 letters, digits, underscores, hyphens, periods and parentheses, not ending in a period; got "bad name."',
    );
  });
});
