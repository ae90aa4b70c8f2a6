import { dataPlaneVersions } from '../../functions/src/settings/dataPlaneVersions';
import { type PolicyResource, type PolicyRule, prop } from './policyRule';

/**
 * The retirement radar: every versioned thing the stack pins or the app calls, with the day its
 * support ends and the page that says so. To update it, read each `source` again, change
 * `endOfSupport` (an ISO date, or null while none is announced) and `checked`, and add a row for a
 * version the stack starts to use. The policy pack warns 180 days before an end date and fails
 * after it; `pulumi preview --policy-pack policy` and `npm test` read this same table.
 */
export interface LifecycleEntry {
  readonly id: string;
  readonly what: string;
  readonly endOfSupport: string | null;
  readonly source: string;
  /** The day `source` was last read. */
  readonly checked: string;
  readonly resourceTypes: readonly string[];
  /** Whether this resource pins (or, for the app, calls) this version. */
  readonly inUse: (resource: PolicyResource) => boolean;
}

const webApp = 'azure-native:web:WebApp';
const nodeRuntime = (version: string) => (r: PolicyResource) =>
  prop(r, 'functionAppConfig.runtime.name') === 'node' &&
  String(prop(r, 'functionAppConfig.runtime.version')) === version;
// The function app is what calls the data-plane APIs.
const theApp = (r: PolicyResource) => r.type === webApp;
const functionsVersions =
  'https://learn.microsoft.com/azure/azure-functions/functions-versions#languages';

export const lifecycleTable: readonly LifecycleEntry[] = [
  {
    id: 'functions-runtime-4',
    what: 'Azure Functions runtime 4.x (Flex Consumption runs only 4.x)',
    endOfSupport: null,
    source: 'https://learn.microsoft.com/azure/azure-functions/functions-versions',
    checked: '2026-12-02',
    resourceTypes: [webApp],
    inUse: (r) => prop(r, 'functionAppConfig.runtime') !== undefined,
  },
  ...(
    [
      ['18', '2025-04-30'],
      ['20', '2026-04-30'],
      ['22', '2027-04-30'],
      ['24', '2028-04-30'],
    ] as const
  ).map(([version, end]) => ({
    id: `node-${version}`,
    what: `Node.js ${version} on Azure Functions`,
    endOfSupport: end,
    source: functionsVersions,
    checked: '2026-12-02',
    resourceTypes: [webApp],
    inUse: nodeRuntime(version),
  })),
  {
    id: 'cosmos-mongo-4.2',
    what: 'Azure Cosmos DB for MongoDB (RU) server version 4.2',
    endOfSupport: null,
    source: 'https://learn.microsoft.com/azure/cosmos-db/mongodb/upgrade-version',
    checked: '2026-12-02',
    resourceTypes: ['azure-native:cosmosdb:DatabaseAccount'],
    inUse: (r) => prop(r, 'apiProperties.serverVersion') === '4.2',
  },
  {
    id: 'iothub-standard-basic',
    what: 'IoT Hub standard and basic tiers (S1-S3, B1-B3) and the free tier',
    endOfSupport: null,
    source: 'https://learn.microsoft.com/azure/iot-hub/iot-hub-scaling',
    checked: '2026-12-02',
    resourceTypes: ['azure-native:iothub:IotHubResource'],
    inUse: (r) => /^[SBF][1-3]$/.test(String(prop(r, 'sku.name'))),
  },
  {
    id: `iothub-rest-${dataPlaneVersions.iotHub}`,
    what: `IoT Hub REST API ${dataPlaneVersions.iotHub} (device registration and device messages)`,
    endOfSupport: null,
    source: 'https://learn.microsoft.com/rest/api/iothub/',
    checked: '2026-12-02',
    resourceTypes: [webApp],
    inUse: theApp,
  },
  {
    id: `dps-service-rest-${dataPlaneVersions.provisioning}`,
    what: `Device Provisioning Service service REST API ${dataPlaneVersions.provisioning} (enrollment groups)`,
    endOfSupport: null,
    source: 'https://learn.microsoft.com/rest/api/iot-dps/service/enrollment-group',
    checked: '2026-12-04',
    resourceTypes: [webApp],
    inUse: theApp,
  },
  {
    id: `signalr-rest-${dataPlaneVersions.signalR}`,
    what: `SignalR Service data-plane REST API ${dataPlaneVersions.signalR} (client tokens)`,
    endOfSupport: null,
    source:
      'https://learn.microsoft.com/azure/azure-signalr/swagger/signalr-data-plane-rest-v20241201',
    checked: '2026-12-02',
    resourceTypes: [webApp],
    inUse: theApp,
  },
  {
    id: `search-rest-${dataPlaneVersions.search}`,
    what: `Azure AI Search REST API ${dataPlaneVersions.search}`,
    endOfSupport: null,
    source: 'https://learn.microsoft.com/rest/api/searchservice/search-service-api-versions',
    checked: '2026-12-02',
    resourceTypes: [webApp, 'azure-native:search:Service'],
    inUse: (r) => r.type === webApp || r.type === 'azure-native:search:Service',
  },
  {
    id: `table-storage-${dataPlaneVersions.tableStorage}`,
    what: `Table storage service version ${dataPlaneVersions.tableStorage} (x-ms-version of @azure/data-tables)`,
    endOfSupport: null,
    source:
      'https://learn.microsoft.com/rest/api/storageservices/versioning-for-the-azure-storage-services',
    checked: '2026-12-02',
    resourceTypes: [webApp],
    inUse: theApp,
  },
  {
    id: 'iothub-tls-1.0-1.1',
    what: 'TLS 1.0 and 1.1 on IoT Hub',
    endOfSupport: '2025-08-31',
    source: 'https://learn.microsoft.com/azure/iot-hub/iot-hub-tls-support',
    checked: '2026-12-02',
    resourceTypes: ['azure-native:iothub:IotHubResource'],
    inUse: (r) => ['1.0', '1.1'].includes(String(prop(r, 'properties.minTlsVersion'))),
  },
  {
    id: 'storage-tls-1.0-1.1',
    what: 'TLS 1.0 and 1.1 on Azure Storage',
    endOfSupport: '2026-02-03',
    source:
      'https://learn.microsoft.com/azure/storage/common/transport-layer-security-configure-minimum-version',
    checked: '2026-12-02',
    resourceTypes: ['azure-native:storage:StorageAccount'],
    inUse: (r) => ['TLS1_0', 'TLS1_1'].includes(String(prop(r, 'minimumTlsVersion'))),
  },
  {
    id: 'tls-1.2',
    what: 'TLS 1.2 as the minimum (storage, IoT Hub, Cosmos DB, the function app)',
    endOfSupport: null,
    source: 'https://learn.microsoft.com/azure/security/fundamentals/tls-certificate-changes',
    checked: '2026-12-02',
    resourceTypes: [
      'azure-native:storage:StorageAccount',
      'azure-native:iothub:IotHubResource',
      'azure-native:cosmosdb:DatabaseAccount',
      webApp,
    ],
    inUse: (r) =>
      [
        prop(r, 'minimumTlsVersion'),
        prop(r, 'properties.minTlsVersion'),
        prop(r, 'minimalTlsVersion'),
        prop(r, 'siteConfig.minTlsVersion'),
      ].some((v) => v === 'TLS1_2' || v === '1.2' || v === 'Tls12'),
  },
];

/** The entry for one id; throws for an id the table lacks, so callers cannot drift from it. */
export function lifecycleEntry(id: string): LifecycleEntry {
  const entry = lifecycleTable.find((e) => e.id === id);
  if (!entry) throw new Error(`no lifecycle entry ${id}`);
  return entry;
}

export const warnDaysBeforeEnd = 180;
const dayMs = 86_400_000;

/** Where an entry stands on a given day: in support, ending within 180 days, or past its end. */
export function lifecycleStatus(
  entry: LifecycleEntry,
  now: Date,
): { readonly state: 'supported' | 'ending' | 'retired'; readonly daysLeft?: number } {
  if (entry.endOfSupport === null) return { state: 'supported' };
  // Support lasts to the end of the named day (UTC).
  const end = Date.parse(`${entry.endOfSupport}T23:59:59.999Z`);
  const daysLeft = Math.ceil((end - now.getTime()) / dayMs);
  if (daysLeft <= 0) return { state: 'retired', daysLeft };
  return daysLeft <= warnDaysBeforeEnd ? { state: 'ending', daysLeft } : { state: 'supported' };
}

const allTypes = [...new Set(lifecycleTable.flatMap((e) => e.resourceTypes))];

function findings(resource: PolicyResource, now: Date, state: 'ending' | 'retired'): string[] {
  return lifecycleTable
    .filter((entry) => entry.resourceTypes.includes(resource.type) && entry.inUse(resource))
    .flatMap((entry) => {
      const status = lifecycleStatus(entry, now);
      if (status.state !== state) return [];
      return [
        state === 'retired'
          ? `${entry.what} left support on ${entry.endOfSupport} (${entry.source}); move to a supported version`
          : `${entry.what} leaves support on ${entry.endOfSupport}, in ${status.daysLeft} days (${entry.source}); plan the move`,
      ];
    });
}

/**
 * The two radar rules, with the clock passed in: `lifecycle-retired` fails a stack that uses
 * anything past its end of support; `lifecycle-ending` (advisory) warns within 180 days of it.
 */
export function lifecycleRules(now: () => Date): readonly PolicyRule[] {
  const base = {
    source: 'policy/rules/lifecycle.ts (each row names its page)',
    category: 'platform' as const,
    resourceTypes: allTypes,
  };
  return [
    {
      ...base,
      name: 'lifecycle-retired',
      description: 'Nothing the stack pins or the app calls is past its end of support.',
      check: (resource) => findings(resource, now(), 'retired'),
    },
    {
      ...base,
      name: 'lifecycle-ending',
      description: `Warns about what the stack pins or the app calls within ${warnDaysBeforeEnd} days of its end of support.`,
      enforcementLevel: 'advisory',
      check: (resource) => findings(resource, now(), 'ending'),
    },
  ];
}
