import type * as pulumi from '@pulumi/pulumi';
import type { FunctionAppArgs } from './components/functionApp';

type Id = pulumi.Input<string>;

/**
 * The function app identity's data-plane roles, each at the narrowest scope that works: one
 * container, queue or table, not the account.
 */
export function functionAppRoles(parts: {
  readonly hostContainers: readonly string[];
  readonly containerId: (container: string) => Id;
  readonly queueIds: Readonly<Record<string, Id>>;
  readonly tableIds: Readonly<Record<string, Id>>;
  readonly appInsightsId: Id;
  readonly signalRId: Id;
  readonly iotHubId: Id;
  readonly provisioningId: Id;
  readonly searchId: Id;
}): FunctionAppArgs['roles'] {
  return [
    // The host's own containers (locks, keys, Event Hubs checkpoints), not the whole account:
    // `$web` (the dashboard) stays out of the app's reach.
    ...parts.hostContainers.map((container) => ({
      role: 'storageBlobDataOwner' as const,
      scope: parts.containerId(container),
      target: container,
    })),
    // Flex Consumption reads and writes its package here.
    {
      role: 'storageBlobDataContributor',
      scope: parts.containerId('deployments'),
      target: 'deployments',
    },
    // Product reference data, read only.
    { role: 'storageBlobDataReader', scope: parts.containerId('reference'), target: 'reference' },
    // Each queue (poison queues too) and each table the app uses, not the account: the stack
    // declares them all, so the app never creates one in Azure.
    ...Object.entries(parts.queueIds).map(([queue, scope]) => ({
      role: 'storageQueueDataContributor' as const,
      scope,
      target: `queue-${queue}`,
    })),
    ...Object.entries(parts.tableIds).map(([table, scope]) => ({
      role: 'storageTableDataContributor' as const,
      scope,
      target: `table-${table}`,
    })),
    { role: 'monitoringMetricsPublisher', scope: parts.appInsightsId, target: 'insights' },
    // Serverless SignalR with local auth off: the functions call its REST API with their identity,
    // both to send and to mint client tokens (:generateToken); no binding asks for a signing key.
    { role: 'signalRRestApiOwner', scope: parts.signalRId, target: 'signalr' },
    // The registry (POST /api/devices), twins, direct methods and jobs, on this hub only.
    { role: 'iotHubDataContributor', scope: parts.iotHubId, target: 'iothub' },
    // Enrollment groups (PUT/GET/DELETE /api/enrollment-groups), on this DPS only.
    { role: 'dpsDataContributor', scope: parts.provisioningId, target: 'dps' },
    // The catalog's documents; the index definition is the deployment's (SearchService).
    { role: 'searchIndexDataContributor', scope: parts.searchId, target: 'search' },
  ];
}
