import type { StorageConnection } from './config';
import { appIdentity } from './identityCredential';

// The SDK is imported lazily (only the scheduler sends), so its types come from that import.
const loadQueueSdk = () => import('@azure/storage-queue');
type QueueClient = InstanceType<Awaited<ReturnType<typeof loadQueueSdk>>['QueueClient']>;

/**
 * Queue clients for one storage account, created on first use and then reused: from a connection
 * string locally, with the managed identity in Azure. The queue is created if it is missing.
 */
export function createQueueClientFactory(
  connection: StorageConnection,
): (queueName: string) => Promise<QueueClient> {
  const queues = new Map<string, Promise<QueueClient>>();
  const create = async (queueName: string) => {
    const { QueueClient } = await loadQueueSdk();
    const client =
      connection.kind === 'connectionString'
        ? new QueueClient(connection.connectionString, queueName)
        : new QueueClient(
            `${connection.queueServiceUri.replace(/\/$/, '')}/${queueName}`,
            await appIdentity(connection.clientId),
          );
    await client.createIfNotExists();
    return client;
  };
  return (queueName) => {
    let ready = queues.get(queueName);
    if (!ready) {
      const attempt = create(queueName);
      ready = attempt;
      queues.set(queueName, attempt);
      // A failed first attempt (storage down) must not poison every later call.
      attempt.catch(() => {
        if (queues.get(queueName) === attempt) queues.delete(queueName);
      });
    }
    return ready;
  };
}
