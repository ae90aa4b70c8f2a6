import {
  flexAlwaysReadyName,
  flexInstanceMemoryMB,
  flexMaximumInstances,
  flexRejectedAppSettings,
  flexRejectedSiteConfig,
  flexRuntimeVersions,
} from './flexConsumption';
import { type PolicyRule, prop } from './policyRule';
import {
  dpsMaxLinkedHubs,
  iotHubMaxUnits,
  iotHubPartitions,
  signalRUnitCounts,
} from './serviceLimits';

const webApp = ['azure-native:web:WebApp'];
const isFlex = (props: Readonly<Record<string, unknown>>) => props.functionAppConfig !== undefined;
const nameRules =
  'https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules';

/** A name rule the REST specs leave out, from the resource-name rules page. */
function nameRule(
  name: string,
  type: string,
  nameKey: string,
  pattern: RegExp,
  rule: string,
): PolicyRule {
  return {
    name,
    description: `${type.split(':').pop()} names: ${rule}.`,
    source: nameRules,
    category: 'platform',
    resourceTypes: [type],
    check: (r) => {
      const value = r.props[nameKey];
      if (typeof value !== 'string') return [];
      return pattern.test(value) && !value.includes('--')
        ? []
        : [`name "${value}" breaks the rule: ${rule}`];
    },
  };
}

/** What Azure rejects or breaks on that the REST specs do not encode. Each links its source. */
export const platformRules: readonly PolicyRule[] = [
  {
    name: 'flex-site-config',
    description: `Flex Consumption sites get none of the siteConfig keys Flex answers 400 to (${flexRejectedSiteConfig.join(', ')}).`,
    source:
      'https://learn.microsoft.com/azure/azure-functions/functions-app-settings#flex-consumption-plan-deprecations',
    category: 'platform',
    resourceTypes: webApp,
    check: (r) => {
      const siteConfig = (r.props.siteConfig ?? {}) as Record<string, unknown>;
      if (!isFlex(r.props)) return [];
      return flexRejectedSiteConfig
        .filter((key) => siteConfig[key] !== undefined)
        .map((key) => `remove siteConfig.${key}: Flex Consumption rejects it`);
    },
  },
  {
    name: 'flex-app-settings',
    description: 'Flex Consumption sites set none of the app settings functionAppConfig replaces.',
    source:
      'https://learn.microsoft.com/azure/azure-functions/functions-app-settings#flex-consumption-plan-deprecations',
    category: 'platform',
    resourceTypes: webApp,
    check: (r) => {
      const settings = prop(r, 'siteConfig.appSettings');
      if (!isFlex(r.props) || !Array.isArray(settings)) return [];
      return settings
        .map((s: { name?: unknown }) => String(s.name))
        .filter((name) => (flexRejectedAppSettings as readonly string[]).includes(name))
        .map(
          (name) => `remove app setting ${name}: functionAppConfig replaces it on Flex Consumption`,
        );
    },
  },
  {
    name: 'flex-runtime-supported',
    description: 'The app runs a Node.js version Flex Consumption supports.',
    source:
      'https://learn.microsoft.com/azure/azure-functions/flex-consumption-plan#supported-language-stack-versions',
    category: 'platform',
    resourceTypes: webApp,
    check: (r) => {
      if (!isFlex(r.props)) return [];
      const name = prop(r, 'functionAppConfig.runtime.name');
      const version = String(prop(r, 'functionAppConfig.runtime.version'));
      if (name !== 'node') return [`runtime ${String(name)} is not node`];
      // The day support ends is the retirement radar's (lifecycle.ts) to watch.
      return version in flexRuntimeVersions.node
        ? []
        : [`Node.js ${version} is not a Flex Consumption runtime; use 24 (or 22)`];
    },
  },
  {
    name: 'flex-scale',
    description: `Instance memory is one of ${flexInstanceMemoryMB.join(', ')} MB, at most ${flexMaximumInstances.min}-${flexMaximumInstances.max} instances, and always-ready entries name a group (http, blob, durable) or function:<name>.`,
    source: 'https://learn.microsoft.com/azure/azure-functions/flex-consumption-plan',
    category: 'platform',
    resourceTypes: webApp,
    check: (r) => {
      if (!isFlex(r.props)) return [];
      const problems: string[] = [];
      const memory = prop(r, 'functionAppConfig.scaleAndConcurrency.instanceMemoryMB');
      if (!(flexInstanceMemoryMB as readonly unknown[]).includes(memory))
        problems.push(
          `instanceMemoryMB ${String(memory)} is not one of ${flexInstanceMemoryMB.join(', ')}`,
        );
      const maximum = Number(prop(r, 'functionAppConfig.scaleAndConcurrency.maximumInstanceCount'));
      if (!(maximum >= flexMaximumInstances.min && maximum <= flexMaximumInstances.max))
        problems.push(
          `maximumInstanceCount ${maximum} is outside ${flexMaximumInstances.min}-${flexMaximumInstances.max}`,
        );
      const ready = prop(r, 'functionAppConfig.scaleAndConcurrency.alwaysReady');
      for (const entry of Array.isArray(ready) ? ready : []) {
        const { name } = entry as { name?: string };
        if (!flexAlwaysReadyName.test(String(name)))
          problems.push(
            `always-ready name "${String(name)}" is not http, blob, durable or function:<name>`,
          );
      }
      return problems;
    },
  },
  {
    name: 'iot-hub-units-and-partitions',
    description:
      'IoT Hub units and partitions stay within the tier: F1 has 1 unit and 2 partitions; B3 and S3 at most 10 units; others at most 200; partitions 2-128.',
    source: 'https://learn.microsoft.com/azure/iot-hub/iot-hub-scaling',
    category: 'platform',
    resourceTypes: ['azure-native:iothub:IotHubResource'],
    check: (r) => {
      const sku = String(prop(r, 'sku.name'));
      const units = Number(prop(r, 'sku.capacity'));
      const partitions = Number(prop(r, 'properties.eventHubEndpoints.events.partitionCount'));
      const problems: string[] = [];
      const maxUnits = iotHubMaxUnits(sku);
      if (!(units >= 1 && units <= maxUnits))
        problems.push(`${sku} allows 1-${maxUnits} units; got ${units}`);
      const { free, min, max } = iotHubPartitions;
      if (sku === 'F1' ? partitions !== free : !(partitions >= min && partitions <= max))
        problems.push(
          `${sku} allows ${sku === 'F1' ? free : `${min}-${max}`} partitions; got ${partitions}`,
        );
      return problems;
    },
  },
  {
    name: 'dps-linked-hubs',
    description:
      'A Device Provisioning Service links 1 to 50 IoT hubs: with none it can assign no device, and 50 is the most it takes.',
    source: 'https://learn.microsoft.com/azure/iot-dps/about-iot-dps#quotas-and-limits',
    category: 'platform',
    resourceTypes: ['azure-native:deviceprovisioningservices:IotDpsResource'],
    check: (r) => {
      const hubs = prop(r, 'properties.iotHubs');
      const count = Array.isArray(hubs) ? hubs.length : 0;
      return count >= 1 && count <= dpsMaxLinkedHubs
        ? []
        : [`link 1-${dpsMaxLinkedHubs} IoT hubs; got ${count}`];
    },
  },
  {
    name: 'iot-hub-device-messages-to-built-in-endpoint',
    description:
      'An IoT hub with routes keeps an enabled route of every device message (source DeviceMessages, condition true) to the built-in endpoint "events": once any route exists, device messages reach it only through a route of their own, and ingest reads them there.',
    source:
      'https://learn.microsoft.com/azure/iot-hub/iot-hub-devguide-messages-d2c#built-in-endpoint-as-a-routing-endpoint',
    category: 'platform',
    resourceTypes: ['azure-native:iothub:IotHubResource'],
    check: (r) => {
      const routes = (prop(r, 'properties.routing.routes') ?? []) as Record<string, unknown>[];
      if (routes.length === 0) return [];
      const kept = routes.some(
        (route) =>
          route.source === 'DeviceMessages' &&
          route.isEnabled !== false &&
          (route.condition ?? 'true') === 'true' &&
          Array.isArray(route.endpointNames) &&
          route.endpointNames.includes('events'),
      );
      return kept
        ? []
        : [
            'no enabled route sends every device message (DeviceMessages, condition true) to "events": add one, or telemetry stops reaching ingest',
          ];
    },
  },
  {
    name: 'signalr-units',
    description: `SignalR Free has one unit; Standard and Premium take ${signalRUnitCounts('Standard_S1').join(', ')}.`,
    source: 'https://learn.microsoft.com/azure/azure-signalr/signalr-howto-scale-signalr',
    category: 'platform',
    resourceTypes: ['azure-native:signalrservice:SignalR'],
    check: (r) => {
      const sku = String(prop(r, 'sku.name'));
      const units = Number(prop(r, 'sku.capacity') ?? 1);
      const allowed = signalRUnitCounts(sku);
      return allowed.includes(units)
        ? []
        : [`${sku} cannot have ${units} units; use one of ${allowed.join(', ')}`];
    },
  },
  {
    name: 'cosmos-mongo-ru-server-version',
    description:
      'Cosmos DB for MongoDB (RU) runs a server version documented for RU accounts (3.6, 4.0, 4.2).',
    source: 'https://learn.microsoft.com/azure/cosmos-db/mongodb/feature-support-42',
    category: 'platform',
    resourceTypes: ['azure-native:cosmosdb:DatabaseAccount'],
    check: (r) => {
      if (r.props.kind !== 'MongoDB') return [];
      const version = String(prop(r, 'apiProperties.serverVersion'));
      return ['3.6', '4.0', '4.2'].includes(version)
        ? []
        : [`serverVersion ${version} is not documented for RU accounts; use 4.2`];
    },
  },
  nameRule(
    'name-key-vault',
    'azure-native:keyvault:Vault',
    'vaultName',
    /^[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/,
    '3-24 letters, digits and single hyphens, starting with a letter and ending with a letter or digit',
  ),
  nameRule(
    'name-cosmos-account',
    'azure-native:cosmosdb:DatabaseAccount',
    'accountName',
    /^[a-z0-9][a-z0-9-]{1,42}[a-z0-9]$/,
    '3-44 lower-case letters, digits and hyphens',
  ),
  nameRule(
    'name-iot-hub',
    'azure-native:iothub:IotHubResource',
    'resourceName',
    /^[a-zA-Z0-9][a-zA-Z0-9-]{1,48}[a-zA-Z0-9]$/,
    '3-50 letters, digits and hyphens, not ending in a hyphen',
  ),
  nameRule(
    'name-dps',
    'azure-native:deviceprovisioningservices:IotDpsResource',
    'provisioningServiceName',
    /^[a-zA-Z0-9-]{3,64}$/,
    '3-64 letters, digits and hyphens',
  ),
  nameRule(
    'name-signalr',
    'azure-native:signalrservice:SignalR',
    'resourceName',
    /^[a-zA-Z][a-zA-Z0-9-]{1,61}[a-zA-Z0-9]$/,
    '3-63 letters, digits and hyphens, starting with a letter',
  ),
  nameRule(
    'name-function-app',
    'azure-native:web:WebApp',
    'name',
    /^[a-zA-Z0-9][a-zA-Z0-9-]{0,58}[a-zA-Z0-9]$/,
    '2-60 letters, digits and hyphens, not starting or ending with a hyphen',
  ),
];
