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
      functions: { alwaysReady: 0, maximumInstances: 100, instanceMemoryMB: 2048 },
      protect: false,
    });
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
});
