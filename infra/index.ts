import * as authorization from '@pulumi/azure-native/authorization';
import * as resources from '@pulumi/azure-native/resources';
import * as pulumi from '@pulumi/pulumi';
import {
  consumerGroups,
  queueNames,
  settingNames,
  tableNames,
} from '../functions/src/platform/settingNames';
import { CosmosMongo } from './components/cosmosMongo';
import { DataStorage } from './components/dataStorage';
import { CodeDeployment, DashboardSite } from './components/deployments';
import { FunctionApp } from './components/functionApp';
import { IotHub } from './components/iotHub';
import { KeyVault } from './components/keyVault';
import { Monitoring } from './components/monitoring';
import { SignalR } from './components/signalR';
import { packageDashboard, packageFunctions } from './packaging';
import { readStageConfig, StageConfigError } from './stageConfig';

// Validated before anything is declared: a bad key stops the program with a message naming it.
const fieldline = new pulumi.Config('fieldline');
const stage = readStageConfig((key) => fieldline.get(key), pulumi.getStack());
const client = authorization.getClientConfigOutput();

const group = new resources.ResourceGroup(
  `fl-${stage.stage}`,
  { location: stage.location },
  { protect: stage.protect },
);
const placement = { resourceGroupName: group.name, location: group.location };

const storage = new DataStorage('data', {
  ...placement,
  tables: Object.values(tableNames),
  queues: Object.values(queueNames).flatMap((queue) => [queue, `${queue}-poison`]),
  containers: ['deployments', 'reference', ...(stage.archiveTelemetry ? ['archive'] : [])],
  protect: stage.protect,
});
const dashboardOrigin = storage.webEndpoint.apply((url) => url.replace(/\/$/, ''));
const allowedOrigins = pulumi
  .all([dashboardOrigin, stage.dashboardExtraOrigins])
  .apply(([origin, extra]) => [origin, ...extra]);

const iot = new IotHub('iot', {
  ...placement,
  ...stage.iotHub,
  consumerGroups: Object.values(consumerGroups),
  ...(stage.archiveTelemetry
    ? {
        archive: {
          blobEndpoint: storage.blobEndpoint,
          containerName: storage.containerNames.archive as pulumi.Output<string>,
        },
      }
    : {}),
  protect: stage.protect,
});
const realtime = new SignalR('realtime', { ...placement, ...stage.signalR, allowedOrigins });
const cosmos = new CosmosMongo('cosmos', {
  ...placement,
  serverless: stage.cosmosServerless,
  databaseName: 'fieldline',
  collections: ['users', 'notifications'],
  protect: stage.protect,
});
const monitoring = new Monitoring('monitoring', placement);
const twilioAuthToken = fieldline.getSecret('twilioAuthToken');
if (stage.sms.mode === 'twilio' && !twilioAuthToken)
  throw new StageConfigError([
    'fieldline:twilioAuthToken must be set when fieldline:smsMode is twilio: pulumi config set --secret fieldline:twilioAuthToken <token>',
  ]);
const vault = new KeyVault('vault', {
  ...placement,
  tenantId: client.tenantId,
  secrets: {
    'iothub-eventhub-connection': iot.eventHubConnectionString,
    'mongodb-uri': cosmos.connectionString,
    ...(twilioAuthToken ? { 'twilio-auth-token': twilioAuthToken } : {}),
  },
  purgeProtection: stage.protect,
});
const reference = (secret: string) => vault.references[secret] as pulumi.Output<string>;

const functions = new FunctionApp('functions', {
  ...placement,
  subscriptionId: client.subscriptionId,
  deploymentContainerUrl: pulumi.interpolate`${storage.blobEndpoint}${storage.containerNames.deployments}`,
  nodeVersion: '20',
  ...stage.functions,
  allowedOrigins,
  // Names come from the function code's own settingNames, so the two sides cannot drift apart.
  appSettings: {
    AzureWebJobsStorage__accountName: storage.accountName,
    [`${settingNames.dataStorage}__accountName`]: storage.accountName,
    [settingNames.iotHubEventHub]: reference('iothub-eventhub-connection'),
    [settingNames.iotHubEventHubName]: iot.eventHubName,
    // The gateway registers devices with the app's identity (no registry key in the app).
    [settingNames.iotHubHostName]: iot.hostName,
    [`${settingNames.signalR}__serviceUri`]: pulumi.interpolate`https://${realtime.hostName}`,
    [settingNames.mongodbUri]: reference('mongodb-uri'),
    ...(twilioAuthToken ? { [settingNames.twilioAuthToken]: reference('twilio-auth-token') } : {}),
    [settingNames.smsMode]: stage.sms.mode,
    ...(stage.sms.mode === 'twilio'
      ? {
          [settingNames.twilioAccountSid]: stage.sms.accountSid,
          [settingNames.twilioFrom]: stage.sms.from,
        }
      : {}),
    APPLICATIONINSIGHTS_CONNECTION_STRING: monitoring.connectionString,
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD',
  },
  roles: [
    // Host storage (blobs for leases and the deployment package, queues, tables) and app data.
    { role: 'storageBlobDataOwner', scope: storage.account.id },
    { role: 'storageQueueDataContributor', scope: storage.account.id },
    { role: 'storageTableDataContributor', scope: storage.account.id },
    { role: 'keyVaultSecretsUser', scope: vault.vault.id },
    { role: 'monitoringMetricsPublisher', scope: monitoring.appInsights.id },
    // Serverless SignalR: negotiate tokens and REST sends, with the identity instead of a key.
    { role: 'signalRRestApiOwner', scope: realtime.service.id },
    // Device registration through the registry API (POST /api/devices).
    { role: 'iotHubRegistryContributor', scope: iot.hub.id },
  ],
});

const functionPackage = pulumi.output(packageFunctions());
new CodeDeployment(
  'code',
  {
    appName: functions.name,
    appId: functions.app.id,
    zipPath: functionPackage.zipPath,
    contentHash: functionPackage.contentHash,
  },
  { dependsOn: [functions] },
);

const apiUrl = pulumi.interpolate`https://${functions.defaultHostName}/api`;
const dashboardPackage = pulumi.output(packageDashboard());
new DashboardSite('dashboard', {
  storageAccountId: storage.account.id,
  blobEndpoint: storage.blobEndpoint,
  sourceDir: dashboardPackage.sourceDir,
  contentHash: dashboardPackage.contentHash,
  config: pulumi.all([apiUrl]).apply(([api]) => ({ apiBaseUrl: api, stage: stage.stage })),
  deployerObjectId: client.objectId,
  subscriptionId: client.subscriptionId,
});

export const dashboardUrl = storage.webEndpoint;
export { apiUrl };
export const iotHubHostName = iot.hostName;
export const signalrHostName = realtime.hostName;
export const functionAppName = functions.name;
export const resourceGroupName = group.name;
