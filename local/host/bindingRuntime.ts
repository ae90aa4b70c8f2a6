import type { InvocationContext } from '@azure/functions';
import { QueueServiceClient } from '@azure/storage-queue';
import type { FunctionDefinition } from '../../functions/src/platform/functionDefinition';
import { parseSignalRConnectionString, signAccessToken } from '../signalR/accessToken';
import { resolveSettingExpression } from './settingExpression';

export interface BindingRuntimeOptions {
  readonly settings: Readonly<Record<string, string | undefined>>;
  readonly now?: () => number;
}

/**
 * What the Functions host does around a handler for the bindings fieldline uses: after the handler
 * returns it delivers `signalR` outputs through the service's REST API and `queue` outputs to
 * Storage queues.
 */
export function createBindingRuntime(options: BindingRuntimeOptions) {
  const now = options.now ?? Date.now;
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

  async function sendSignalR(binding: Record<string, unknown>, value: unknown): Promise<void> {
    const { endpoint, accessKey } = parseSignalRConnectionString(
      setting(
        String(binding.connectionStringSetting ?? 'AzureSignalRConnectionString'),
        'the signalR output',
      ),
    );
    const hub = resolveSettingExpression(String(binding.hubName), options.settings);
    for (const message of Array.isArray(value) ? value : [value]) {
      const {
        target,
        arguments: args,
        userId,
        groupName,
        action,
      } = message as Record<string, unknown>;
      const base = `${endpoint}/api/v1/hubs/${encodeURIComponent(hub)}`;
      let url: string;
      let method = 'POST';
      let body: string | undefined;
      if (action === 'add' || action === 'remove') {
        url = `${base}/groups/${encodeURIComponent(String(groupName))}/users/${encodeURIComponent(String(userId))}`;
        method = action === 'add' ? 'PUT' : 'DELETE';
      } else {
        url = userId
          ? `${base}/users/${encodeURIComponent(String(userId))}`
          : groupName
            ? `${base}/groups/${encodeURIComponent(String(groupName))}`
            : base;
        body = JSON.stringify({ target, arguments: args ?? [] });
      }
      const token = signAccessToken({ aud: url, exp: Math.floor(now() / 1000) + 3600 }, accessKey);
      const response = await fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        ...(body ? { body } : {}),
      });
      if (!response.ok)
        throw new Error(
          `SignalR ${method} ${url} answered ${response.status}: ${await response.text()}`,
        );
    }
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
          case 'signalR':
            await sendSignalR(output, value);
            break;
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
