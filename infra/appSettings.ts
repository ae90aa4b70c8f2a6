import type * as pulumi from '@pulumi/pulumi';
import { settingNames } from '../functions/src/settings/settingNames';
import type { StageConfig } from './stageConfig';

type Text = pulumi.Input<string>;

/** What the function app's settings are made from: the stack's resources and the stage's keys. */
export interface AppSettingInputs {
  readonly storageAccountName: Text;
  readonly eventHubName: Text;
  readonly iotHubHostName: Text;
  /** The stage's DPS: its service host, ID scope and the global endpoint devices register at. */
  readonly provisioning: {
    readonly serviceHostName: Text;
    readonly idScope: Text;
    readonly globalEndpoint: Text;
  };
  /** `https://{SignalR host name}`: the app reaches SignalR with its identity, not a key. */
  readonly signalRServiceUri: Text;
  readonly searchEndpoint: Text;
  readonly authIssuer: Text;
  /** v2 access tokens name the client id; the identifier URI is accepted too. */
  readonly authAudience: Text;
  readonly appInsightsConnectionString: Text;
  readonly stage: Pick<
    StageConfig,
    | 'sms'
    | 'retentionDays'
    | 'historyRetentionDays'
    | 'identity'
    | 'twilioWebhookUrl'
    | 'alarmWebhookUrl'
  >;
  /** Key Vault references, resolved by the app's Key Vault identity. */
  readonly secrets: {
    readonly eventHubConnection: Text;
    readonly mongodbUri: Text;
    readonly twilioAuthToken?: Text;
    readonly alarmWebhookSecret?: Text;
  };
}

/**
 * The function app's settings, named by the function code's own `settingNames` so the two sides
 * cannot drift apart; `appSettings.test.ts` reads them back with the app's `loadConfig`. Secrets
 * go in as Key Vault references only, never as values.
 */
export function functionAppSettings(inputs: AppSettingInputs): {
  appSettings: Record<string, Text>;
  secretSettings: Record<string, Text>;
} {
  return {
    appSettings: {
      AzureWebJobsStorage__accountName: inputs.storageAccountName,
      [`${settingNames.dataStorage}__accountName`]: inputs.storageAccountName,
      [settingNames.iotHubEventHubName]: inputs.eventHubName,
      // The gateway registers devices with the app's identity (no registry key in the app).
      [settingNames.iotHubHostName]: inputs.iotHubHostName,
      // Enrollment groups with the app's identity too (no DPS key in the app).
      [settingNames.dpsHostName]: inputs.provisioning.serviceHostName,
      [settingNames.dpsIdScope]: inputs.provisioning.idScope,
      [settingNames.dpsDeviceHost]: inputs.provisioning.globalEndpoint,
      [`${settingNames.signalR}__serviceUri`]: inputs.signalRServiceUri,
      [settingNames.searchEndpoint]: inputs.searchEndpoint,
      [settingNames.smsMode]: inputs.stage.sms.mode,
      [settingNames.retentionDays]: String(inputs.stage.retentionDays),
      [settingNames.historyRetentionDays]: String(inputs.stage.historyRetentionDays),
      ...(inputs.stage.sms.mode === 'twilio'
        ? {
            [settingNames.twilioAccountSid]: inputs.stage.sms.accountSid,
            [settingNames.twilioFrom]: inputs.stage.sms.from,
          }
        : {}),
      [settingNames.authIssuer]: inputs.authIssuer,
      // v2 access tokens name the client id; the identifier URI is accepted too.
      [settingNames.authAudience]: inputs.authAudience,
      ...(inputs.stage.identity.users
        ? {
            [settingNames.userAuthIssuer]: inputs.stage.identity.users.issuer,
            [settingNames.userAuthAudience]: inputs.stage.identity.users.audience,
          }
        : {}),
      ...(inputs.stage.twilioWebhookUrl
        ? { [settingNames.twilioWebhookUrl]: inputs.stage.twilioWebhookUrl }
        : {}),
      ...(inputs.stage.alarmWebhookUrl
        ? { [settingNames.alarmWebhookUrl]: inputs.stage.alarmWebhookUrl }
        : {}),
      APPLICATIONINSIGHTS_CONNECTION_STRING: inputs.appInsightsConnectionString,
      APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD',
    },
    // Resolved by the app's Key Vault identity, which holds its role before the site is written.
    secretSettings: {
      [settingNames.iotHubEventHub]: inputs.secrets.eventHubConnection,
      [settingNames.mongodbUri]: inputs.secrets.mongodbUri,
      ...(inputs.secrets.twilioAuthToken
        ? { [settingNames.twilioAuthToken]: inputs.secrets.twilioAuthToken }
        : {}),
      ...(inputs.secrets.alarmWebhookSecret
        ? { [settingNames.alarmWebhookSecret]: inputs.secrets.alarmWebhookSecret }
        : {}),
    },
  };
}
