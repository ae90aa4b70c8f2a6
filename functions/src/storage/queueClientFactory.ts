import { appIdentity } from '../host/identityCredential';
import { type Lazy, lazy } from '../host/lazy';
import type { StorageConnection } from '../settings/config';

// The SDK is imported lazily (only the scheduler sends), so its types come from that import.
const loadQueueSdk = () => import('@azure/storage-queue');
type QueueClient = InstanceType<Awaited<ReturnType<typeof loadQueueSdk>>['QueueClient']>;

/**
 * Queue clients for one storage account, created on first use and then reused: from a connection
 * string locally, where the queue is created if it is missing; with the managed identity in Azure,
 * where the stack declares it.
 */
export function createQueueClientFactory(
  connection: StorageConnection,
): (queueName: string) => Promise<QueueClient> {
  const queues = new Map<string, Lazy<QueueClient>>();
  const create = async (queueName: string) => {
    const { QueueClient } = await loadQueueSdk();
    const client =
      connection.kind === 'connectionString'
        ? new QueueClient(connection.connectionString, queueName)
        : new QueueClient(
            `${connection.queueServiceUri.replace(/\/$/, '')}/${queueName}`,
            await appIdentity(connection.clientId),
          );
    // In Azure the stack declares every queue and scopes the app's role to each one.
    if (connection.kind === 'connectionString') await client.createIfNotExists();
    return client;
  };
  return (queueName) => {
    let queue = queues.get(queueName);
    if (!queue) {
      queue = lazy(() => create(queueName));
      queues.set(queueName, queue);
    }
    return queue();
  };
}
