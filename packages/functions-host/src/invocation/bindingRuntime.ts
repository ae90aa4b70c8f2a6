import type { InvocationContext } from '@azure/functions';
import { QueueServiceClient } from '@azure/storage-queue';
import type { FunctionDefinition } from '@fieldline/functions/hosting';
import { resolveSettingExpression } from './settingExpression';

export interface BindingRuntimeOptions {
  readonly settings: Readonly<Record<string, string | undefined>>;
}

/**
 * What the Functions host does around a handler for output bindings: after the handler returns it
 * delivers `queue` outputs to Storage queues. (fieldline sends to SignalR from its handlers, best
 * effort, rather than through the output binding; see `createRealtimeDelivery`.)
 */
export function createBindingRuntime(options: BindingRuntimeOptions) {
  const queues = new Map<string, Promise<import('@azure/storage-queue').QueueClient>>();

  function setting(name: string, what: string): string {
    const value = options.settings[name];
    if (!value) throw new Error(`${what} needs app setting ${name}, which is not set`);
    return value;
  }

  function queueClient(connection: string, queueName: string) {
    const key = `${connection}/${queueName}`;
    let client = queues.get(key);
    if (!client) {
      const queue = QueueServiceClient.fromConnectionString(
        setting(connection, `queue ${queueName}`),
      ).getQueueClient(queueName);
      client = queue.createIfNotExists().then(() => queue);
      client.catch(() => queues.delete(key));
      queues.set(key, client);
    }
    return client;
  }

  return {
    /** Delivers every output the handler set. A failed delivery fails the invocation, as in Azure. */
    async deliverOutputs(
      definition: FunctionDefinition,
      context: InvocationContext,
    ): Promise<void> {
      for (const output of definition.extraOutputs ?? []) {
        const value = context.extraOutputs.get(output);
        if (value === undefined) continue;
        switch (output.type) {
          case 'queue': {
            const queueName = resolveSettingExpression(String(output.queueName), options.settings);
            const queue = await queueClient(String(output.connection), queueName);
            for (const item of Array.isArray(value) ? value : [value]) {
              const text = typeof item === 'string' ? item : JSON.stringify(item);
              await queue.sendMessage(Buffer.from(text).toString('base64'));
            }
            break;
          }
          default:
            throw new Error(
              `output binding type "${output.type}" of ${definition.name} is not supported by the local host`,
            );
        }
      }
    },

    queueClient,
  };
}

export type BindingRuntime = ReturnType<typeof createBindingRuntime>;
