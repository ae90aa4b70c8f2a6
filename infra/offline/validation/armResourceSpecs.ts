/**
 * How each azure-native resource type maps onto its ARM request, for the offline validator and for
 * the synth's realistic names. `nameKey` is the input that holds the resource's own ARM name (the
 * last path parameter); `path` lists every path parameter; `body` is the autorest model of the PUT
 * body in the pinned `@azure/arm-*` package, whose API version is as close as the packages allow to
 * azure-native's default (noted where they differ).
 */
export interface ArmResourceSpec {
  readonly package: string;
  readonly body: string;
  readonly nameKey: string;
  readonly path: readonly string[];
  /** The API version azure-native 3.x sends; the package's may be older. */
  readonly apiVersion: string;
  /**
   * Body properties the API gained between the package's version and azure-native's, which the
   * package's model cannot know; each is checked against the newer spec by hand.
   */
  readonly addedSince?: readonly string[];
}

const spec = (
  pkg: string,
  body: string,
  nameKey: string,
  apiVersion: string,
  ...parents: string[]
): ArmResourceSpec => ({ package: pkg, body, nameKey, apiVersion, path: [...parents, nameKey] });

export const armResourceSpecs: Readonly<Record<string, ArmResourceSpec>> = {
  'azure-native:storage:StorageAccount': spec(
    '@azure/arm-storage',
    'StorageAccountCreateParameters',
    'accountName',
    '2024-01-01',
  ),
  'azure-native:storage:Table': spec(
    '@azure/arm-storage',
    'Table',
    'tableName',
    '2024-01-01',
    'accountName',
  ),
  'azure-native:storage:Queue': spec(
    '@azure/arm-storage',
    'StorageQueue',
    'queueName',
    '2024-01-01',
    'accountName',
  ),
  'azure-native:storage:BlobContainer': spec(
    '@azure/arm-storage',
    'BlobContainer',
    'containerName',
    '2024-01-01',
    'accountName',
  ),
  'azure-native:keyvault:Vault': spec(
    '@azure/arm-keyvault',
    'VaultCreateOrUpdateParameters',
    'vaultName',
    '2024-11-01',
  ),
  'azure-native:keyvault:Secret': spec(
    '@azure/arm-keyvault',
    'SecretCreateOrUpdateParameters',
    'secretName',
    '2024-11-01',
    'vaultName',
  ),
  'azure-native:cosmosdb:DatabaseAccount': spec(
    '@azure/arm-cosmosdb',
    'DatabaseAccountCreateUpdateParameters',
    'accountName',
    '2025-10-15',
  ),
  'azure-native:cosmosdb:MongoDBResourceMongoDBDatabase': spec(
    '@azure/arm-cosmosdb',
    'MongoDBDatabaseCreateUpdateParameters',
    'databaseName',
    '2025-10-15',
    'accountName',
  ),
  'azure-native:cosmosdb:MongoDBResourceMongoDBCollection': spec(
    '@azure/arm-cosmosdb',
    'MongoDBCollectionCreateUpdateParameters',
    'collectionName',
    '2025-10-15',
    'accountName',
    'databaseName',
  ),
  'azure-native:iothub:IotHubResource': spec(
    '@azure/arm-iothub',
    'IotHubDescription',
    'resourceName',
    '2023-06-30',
  ),
  'azure-native:iothub:IotHubResourceEventHubConsumerGroup': spec(
    '@azure/arm-iothub',
    'EventHubConsumerGroupBodyDescription',
    'name',
    '2023-06-30',
    'resourceName',
    'eventHubEndpointName',
  ),
  // The newest package with models speaks 2022-02-05; azure-native sends 2023-03-01-preview,
  // which added `identity` (fieldline sets none) and nothing the stack writes:
  // https://github.com/Azure/azure-rest-api-specs/blob/main/specification/deviceprovisioningservices/resource-manager/Microsoft.Devices/preview/2023-03-01-preview/iotdps.json
  'azure-native:deviceprovisioningservices:IotDpsResource': spec(
    '@azure/arm-deviceprovisioningservices',
    'ProvisioningServiceDescription',
    'provisioningServiceName',
    '2023-03-01-preview',
  ),
  // The newest package with models speaks 2023-02-01; azure-native sends 2024-03-01, which added
  // both properties (azure-native defaults them):
  // https://github.com/Azure/azure-rest-api-specs/blob/main/specification/signalr/resource-manager/Microsoft.SignalRService/stable/2024-03-01/signalr.json
  'azure-native:signalrservice:SignalR': {
    ...spec('@azure/arm-signalr', 'SignalRResource', 'resourceName', '2024-03-01'),
    addedSince: ['regionEndpointEnabled', 'resourceStopped'],
  },
  // https://github.com/Azure/azure-rest-api-specs/blob/main/specification/search/resource-manager/Microsoft.Search/stable/2025-05-01/search.json
  'azure-native:search:Service': spec(
    '@azure/arm-search',
    'SearchService',
    'searchServiceName',
    '2025-05-01',
  ),
  'azure-native:resources:ResourceGroup': spec(
    '@azure/arm-resources',
    'ResourceGroup',
    'resourceGroupName',
    '2024-03-01',
  ),
  // The newest package with models speaks 2025-03-01; azure-native sends 2025-05-01.
  'azure-native:web:AppServicePlan': spec(
    '@azure/arm-appservice',
    'AppServicePlan',
    'name',
    '2025-05-01',
  ),
  'azure-native:web:WebApp': spec('@azure/arm-appservice', 'Site', 'name', '2025-05-01'),
  'azure-native:web:WebAppFtpAllowed': spec(
    '@azure/arm-appservice',
    'CsmPublishingCredentialsPoliciesEntity',
    'name',
    '2025-05-01',
  ),
  'azure-native:web:WebAppScmAllowed': spec(
    '@azure/arm-appservice',
    'CsmPublishingCredentialsPoliciesEntity',
    'name',
    '2025-05-01',
  ),
  // The package speaks 2022-10-01; azure-native sends 2023-09-01.
  'azure-native:operationalinsights:Workspace': spec(
    '@azure/arm-operationalinsights',
    'Workspace',
    'workspaceName',
    '2023-09-01',
  ),
  'azure-native:applicationinsights:Component': spec(
    '@azure/arm-appinsights',
    'ApplicationInsightsComponent',
    'resourceName',
    '2020-02-02',
  ),
  'azure-native:authorization:RoleAssignment': spec(
    '@azure/arm-authorization',
    'RoleAssignmentCreateParameters',
    'roleAssignmentName',
    '2022-04-01',
    'scope',
  ),
  'azure-native:managedidentity:UserAssignedIdentity': spec(
    '@azure/arm-msi',
    'Identity',
    'resourceName',
    '2023-01-31',
  ),
};

/** Inputs azure-native takes that are no part of the request: the resource group in the path. */
export const pathOnlyInputs = ['resourceGroupName'] as const;
