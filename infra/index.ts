import * as authorization from '@pulumi/azure-native/authorization';
import * as resources from '@pulumi/azure-native/resources';
import * as pulumi from '@pulumi/pulumi';
import { contentSecurityPolicy } from '../dashboard/staticAssets';
import { tracksIndex } from '../functions/src/catalog/tracksIndex';
import { httpAccessManifest } from '../functions/src/httpAccess';
import { roomsHub } from '../functions/src/realtime/hubs';
import { presenceTtlSeconds } from '../functions/src/rooms/roomPeople';
import {
  collectionNames,
  consumerGroups,
  queueNames,
  tableNames,
} from '../functions/src/settings/settingNames';
import { functionAppSettings } from './appSettings';
import { AppRegistration, apiScopeName } from './components/appRegistration';
import { CodeDeployment } from './components/codeDeployment';
import { CosmosMongo } from './components/cosmosMongo';
import { DashboardSite } from './components/dashboardSite';
import { DataStorage } from './components/dataStorage';
import { DeviceProvisioningService } from './components/deviceProvisioningService';
import { FunctionApp } from './components/functionApp';
import { IotHub } from './components/iotHub';
import { KeyVault } from './components/keyVault';
import { Monitoring } from './components/monitoring';
import { SearchService } from './components/searchService';
import { SignalR } from './components/signalR';
import { SignalRUpstreamKey } from './components/signalRUpstream';
import { packageDashboard, packageFunctions } from './packaging';
import { type ResourceNames, resourceNames, stableSuffix } from './resourceNames';
import { functionAppRoles } from './roleGrants';
import { readStageConfig, StageConfigError } from './stageConfig';

/**
 * Containers the Functions host itself writes to in AzureWebJobsStorage (host locks and keys, and
 * the Event Hubs trigger's checkpoints). Declared so the app's Blob Data Owner can be scoped to
 * them rather than to the whole account, which also serves the dashboard from `$web`.
 * https://learn.microsoft.com/azure/azure-functions/functions-reference#connecting-to-host-storage-with-an-identity
 */
const hostContainers = ['azure-webjobs-hosts', 'azure-webjobs-secrets', 'azure-webjobs-eventhub'];

// Validated before anything is declared: a bad key stops the program with a message naming it.
const fieldline = new pulumi.Config('fieldline');
const stage = readStageConfig((key) => fieldline.get(key), pulumi.getStack());
for (const warning of stage.warnings) pulumi.log.warn(warning);
const client = authorization.getClientConfigOutput();
const names = client.subscriptionId.apply((subscription) =>
  resourceNames(stage.stage, stage.nameSuffix ?? stableSuffix(subscription, stage.stage)),
);
const name = (key: keyof ResourceNames) => names.apply((all) => all[key]);

// A stage deployed from CI names the group made at bootstrap, which its deployment identity is
// scoped to; otherwise the program creates one.
const group = stage.resourceGroupName
  ? undefined
  : new resources.ResourceGroup(
      `fl-${stage.stage}`,
      { resourceGroupName: `fl-${stage.stage}`, location: stage.location },
      { protect: stage.protect },
    );
const placement = group
  ? { resourceGroupName: group.name, location: group.location }
  : {
      resourceGroupName: pulumi.output(stage.resourceGroupName as string),
      location: pulumi.output(stage.location),
    };

const storage = new DataStorage('data', {
  ...placement,
  accountName: name('storageAccount'),
  tables: Object.values(tableNames),
  queues: Object.values(queueNames).flatMap((queue) => [queue, `${queue}-poison`]),
  containers: [
    ...hostContainers,
    'deployments',
    'reference',
    ...(stage.archiveTelemetry ? ['archive'] : []),
  ],
  protect: stage.protect,
});
const dashboardOrigin = storage.webEndpoint.apply((url) => url.replace(/\/$/, ''));
const allowedOrigins = pulumi
  .all([dashboardOrigin, stage.dashboardExtraOrigins])
  .apply(([origin, extra]) => [origin, ...extra]);

// Operators and back ends sign in with Entra ID (v2 tokens); see docs/features/identity.md.
const signIn = new AppRegistration('signin', {
  displayName: `fieldline-${stage.stage}`,
  dashboardUrls: allowedOrigins,
  ...(stage.identity.entraClientId ? { existingClientId: stage.identity.entraClientId } : {}),
});
const signInAuthority = pulumi.interpolate`https://login.microsoftonline.com/${client.tenantId}/v2.0`;

const iot = new IotHub('iot', {
  ...placement,
  resourceName: name('iotHub'),
  ...stage.iotHub,
  consumerGroups: Object.values(consumerGroups),
  ...(stage.archiveTelemetry
    ? {
        archive: {
          blobEndpoint: storage.blobEndpoint,
          containerName: storage.containerNames.archive as pulumi.Output<string>,
          containerId: storage.containerIds.archive as pulumi.Output<string>,
          identityName: name('hubIdentity'),
          subscriptionId: client.subscriptionId,
        },
      }
    : {}),
  protect: stage.protect,
});
const provisioning = new DeviceProvisioningService('provisioning', {
  ...placement,
  serviceName: name('provisioning'),
  hub: { connectionString: iot.provisioningConnectionString, location: placement.location },
});
const cosmos = new CosmosMongo('cosmos', {
  ...placement,
  accountName: name('cosmosAccount'),
  serverless: stage.cosmosServerless,
  databaseName: 'fieldline',
  collections: [
    collectionNames.users,
    collectionNames.notifications,
    collectionNames.smsOptOuts,
    collectionNames.phoneVerifications,
    collectionNames.rooms,
    collectionNames.roomConnections,
    collectionNames.roomProfiles,
    collectionNames.catalog,
  ],
  // Notifications are kept as long as the tables' rows (RETENTION_DAYS).
  expireAfterSeconds: {
    notifications: stage.retentionDays * 86_400,
    // Presence rows nobody renews (a lost disconnect) go after their TTL (rooms/roomPeople.ts).
    [collectionNames.roomConnections]: presenceTtlSeconds,
  },
  protect: stage.protect,
});
const searchService = new SearchService('search', {
  ...placement,
  serviceName: name('search'),
  ...stage.search,
  indexes: [tracksIndex],
  deployerObjectId: client.objectId,
  subscriptionId: client.subscriptionId,
});
const monitoring = new Monitoring('monitoring', {
  ...placement,
  workspaceName: name('logAnalytics'),
  appInsightsName: name('appInsights'),
});
const twilioAuthToken = fieldline.getSecret('twilioAuthToken');
const alarmWebhookSecret = fieldline.getSecret('alarmWebhookSecret');
if (stage.alarmWebhookUrl && !alarmWebhookSecret)
  throw new StageConfigError([
    'fieldline:alarmWebhookSecret must be set when fieldline:alarmWebhookUrl is: pulumi config set --secret fieldline:alarmWebhookSecret <at least 16 characters>',
  ]);
if (stage.sms.mode === 'twilio' && !twilioAuthToken)
  throw new StageConfigError([
    'fieldline:twilioAuthToken must be set when fieldline:smsMode is twilio: pulumi config set --secret fieldline:twilioAuthToken <token>',
  ]);
const vault = new KeyVault('vault', {
  ...placement,
  vaultName: name('keyVault'),
  tenantId: client.tenantId,
  subscriptionId: client.subscriptionId,
  secrets: {
    'iothub-eventhub-connection': iot.eventHubConnectionString,
    'mongodb-uri': cosmos.connectionString,
    ...(twilioAuthToken ? { 'twilio-auth-token': twilioAuthToken } : {}),
    ...(alarmWebhookSecret ? { 'alarm-webhook-secret': alarmWebhookSecret } : {}),
  },
  retentionDays: stage.keyVault.retentionDays,
  purgeProtection: stage.keyVault.purgeProtection,
  protect: stage.protect,
});
const reference = (secret: string) => vault.references[secret] as pulumi.Output<string>;

// Client invocations on the rooms hub reach the app through SignalR's upstream, which presents the
// SignalR extension's system key from Key Vault. The app's host name is its name's: SignalR is
// declared before the app, which names SignalR in its settings and roles.
const upstreamKey = new SignalRUpstreamKey('upstream', {
  ...placement,
  vaultName: vault.vault.name,
  identityName: name('signalRIdentity'),
  subscriptionId: client.subscriptionId,
});
const realtime = new SignalR(
  'realtime',
  {
    ...placement,
    resourceName: name('signalR'),
    ...stage.signalR,
    allowedOrigins,
    upstream: {
      hubs: [roomsHub],
      urlTemplate: pulumi.interpolate`https://${name('functionApp')}.azurewebsites.net/runtime/webhooks/signalr?code={@Microsoft.KeyVault(SecretUri=${upstreamKey.secretUri})}`,
      identityId: upstreamKey.identity.id,
    },
  },
  { dependsOn: upstreamKey.ready },
);

const containerId = (container: string) => storage.containerIds[container] as pulumi.Output<string>;
const functions = new FunctionApp('functions', {
  ...placement,
  names: { app: name('functionApp'), plan: name('plan'), keyVaultIdentity: name('appIdentity') },
  subscriptionId: client.subscriptionId,
  deploymentContainerUrl: pulumi.interpolate`${storage.blobEndpoint}${storage.containerNames.deployments}`,
  ...stage.functions,
  allowedOrigins,
  // Names come from the function code's own settingNames, so the two sides cannot drift apart.
  ...functionAppSettings({
    storageAccountName: storage.accountName,
    eventHubName: iot.eventHubName,
    iotHubHostName: iot.hostName,
    provisioning,
    signalRServiceUri: pulumi.interpolate`https://${realtime.hostName}`,
    searchEndpoint: searchService.endpoint,
    authIssuer: signInAuthority,
    authAudience: pulumi.interpolate`${signIn.clientId},${signIn.identifierUri}`,
    appInsightsConnectionString: monitoring.connectionString,
    stage,
    secrets: {
      eventHubConnection: reference('iothub-eventhub-connection'),
      mongodbUri: reference('mongodb-uri'),
      ...(twilioAuthToken ? { twilioAuthToken: reference('twilio-auth-token') } : {}),
      ...(alarmWebhookSecret ? { alarmWebhookSecret: reference('alarm-webhook-secret') } : {}),
    },
  }),
  keyVaultId: vault.vault.id,
  roles: functionAppRoles({
    hostContainers,
    containerId,
    queueIds: storage.queueIds,
    tableIds: storage.tableIds,
    appInsightsId: monitoring.appInsights.id,
    signalRId: realtime.service.id,
    iotHubId: iot.hub.id,
    provisioningId: provisioning.service.id,
    searchId: searchService.service.id,
  }),
});

const functionPackage = pulumi.output(packageFunctions(undefined, stage.functions.nodeVersion));
new CodeDeployment(
  'code',
  {
    appName: functions.name,
    appId: functions.app.id,
    zipPath: functionPackage.zipPath,
    contentHash: functionPackage.contentHash,
    httpAccess: httpAccessManifest(),
    hostKeys: [{ keyType: 'systemKeys', keyName: 'signalr_extension', value: upstreamKey.value }],
  },
  { dependsOn: [functions] },
);

const apiUrl = pulumi.interpolate`https://${functions.defaultHostName}/api`;
const dashboardPackage = pulumi.output(packageDashboard());
new DashboardSite('dashboard', {
  webContainerId: pulumi.interpolate`${storage.account.id}/blobServices/default/containers/$web`,
  website: storage.website,
  blobEndpoint: storage.blobEndpoint,
  sourceDir: dashboardPackage.sourceDir,
  contentHash: dashboardPackage.contentHash,
  config: pulumi
    .all([apiUrl, signInAuthority, signIn.clientId, signIn.identifierUri])
    .apply(([api, authority, clientId, identifierUri]) => ({
      apiBaseUrl: api,
      stage: stage.stage,
      auth: {
        authority,
        clientId,
        scopes: ['openid', 'profile', 'offline_access', `${identifierUri}/${apiScopeName}`],
      },
    })),
  contentSecurityPolicy: pulumi
    .all([apiUrl, realtime.hostName, signInAuthority])
    .apply(([api, signalR, authority]) =>
      contentSecurityPolicy({ apiBaseUrl: api, signalR: `https://${signalR}`, authority }),
    ),
  deployerObjectId: client.objectId,
  subscriptionId: client.subscriptionId,
});

export const dashboardUrl = storage.webEndpoint;
export { apiUrl };
export const iotHubHostName = iot.hostName;
/** What a device needs besides its key: the ID scope, and the endpoint it registers at. */
export const provisioningIdScope = provisioning.idScope;
export const provisioningGlobalEndpoint = provisioning.globalEndpoint;
export const signalrHostName = realtime.hostName;
export const searchEndpoint = searchService.endpoint;
export const functionAppName = functions.name;
export const resourceGroupName = placement.resourceGroupName;
export const nodeVersion = stage.functions.nodeVersion;
export { signInAuthority };
export const dashboardClientId = signIn.clientId;
/** What a back end asks for with client credentials. */
export const apiTokenScope = pulumi.interpolate`${signIn.identifierUri}/.default`;
