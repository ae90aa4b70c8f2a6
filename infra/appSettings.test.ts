import { describe, expect, it } from 'vitest';
import { loadConfig } from '../functions/src/settings/config';
import { functionAppSettings } from './appSettings';
import { readStageConfig } from './stageConfig';

/** What the app would see in Azure once Key Vault resolved its references. */
function settingsFor(stageKeys: Record<string, string>, secrets: { twilio?: boolean } = {}) {
  const stage = readStageConfig((key) => stageKeys[key], 'dev');
  const { appSettings, secretSettings } = functionAppSettings({
    storageAccountName: 'stfldev',
    eventHubName: 'iothub-ehub-fl-dev',
    iotHubHostName: 'iot-fl-dev.azure-devices.net',
    provisioning: {
      serviceHostName: 'fl-dev-dps-k3x9qa.azure-devices-provisioning.net',
      idScope: '0ne00A1B2C3',
      globalEndpoint: 'global.azure-devices-provisioning.net',
    },
    signalRServiceUri: 'https://sigr-fl-dev.service.signalr.net',
    searchEndpoint: 'https://srch-fl-dev.search.windows.net',
    authIssuer: 'https://login.microsoftonline.com/00000000-0000-0000-0000-000000000001/v2.0',
    authAudience: '11111111-2222-3333-4444-555555555555,api://fieldline-dev',
    appInsightsConnectionString: 'InstrumentationKey=00000000-0000-0000-0000-000000000000',
    stage,
    secrets: {
      eventHubConnection:
        'Endpoint=sb://ihsuprodbyres.servicebus.windows.net/;SharedAccessKeyName=service;SharedAccessKey=a2V5;EntityPath=iothub-ehub-fl-dev',
      mongodbUri: 'mongodb://fl-dev.mongo.cosmos.azure.com:10255/?ssl=true',
      ...(secrets.twilio ? { twilioAuthToken: 'resolved-twilio-token' } : {}),
    },
  });
  return { ...appSettings, ...secretSettings } as Record<string, string>;
}

describe('the function app settings the stack writes', () => {
  it('are read by the app’s own loadConfig with no problem, every optional feature on', () => {
    const config = loadConfig(settingsFor({}));
    expect(config.misconfigured).toEqual({});
    expect(config.storage).toMatchObject({
      kind: 'identity',
      tableServiceUri: 'https://stfldev.table.core.windows.net',
    });
    expect(config.realtime).toMatchObject({ kind: 'identity' });
    expect(config.search).toMatchObject({ kind: 'identity' });
    expect(config.identity).toBeDefined();
    expect(config.gateway).toBeDefined();
    // Enrollments with the app's identity: no DPS key among the settings.
    expect(config.provisioning).toMatchObject({
      access: { kind: 'identity' },
      idScope: '0ne00A1B2C3',
    });
    expect(config.encounters).toBeDefined();
    expect(config.rooms).toBeDefined();
  });

  it('send Twilio mode with its account, sender and token, and the app accepts them', () => {
    const config = loadConfig(
      settingsFor(
        { smsMode: 'twilio', twilioAccountSid: `AC${'0'.repeat(32)}`, twilioFrom: '+15005550006' },
        { twilio: true },
      ),
    );
    expect(config.misconfigured).toEqual({});
    expect(config.encounters?.sms).toMatchObject({
      kind: 'twilio',
      twilio: { authToken: 'resolved-twilio-token', from: '+15005550006' },
    });
  });
});
