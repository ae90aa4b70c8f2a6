import { type HubConnection, HubConnectionBuilder, LogLevel } from '@microsoft/signalr';
import type { LocalCloud } from '../../dev/localCloud';
import { clientToken } from '../../tools/tokens';

/**
 * Connects as the dashboard does: a Fleet.Read token from the local issuer, negotiate at the
 * function app, then the service's WebSocket. `handlers` are registered before it starts, so
 * nothing sent after `start` is missed. Returns the connection and the token, for API reads.
 */
export async function connectAsDashboard(
  stack: LocalCloud,
  // biome-ignore lint/suspicious/noExplicitAny: each target has its own argument types
  handlers: Readonly<Record<string, (...args: any[]) => void>>,
): Promise<{ connection: HubConnection; reader: string }> {
  const reader = await clientToken(stack.endpoints.identity, 'Fleet.Read');
  const connection = new HubConnectionBuilder()
    .withUrl(stack.endpoints.apiBaseUrl, { accessTokenFactory: () => reader })
    .configureLogging(LogLevel.None)
    .build();
  for (const [target, handler] of Object.entries(handlers)) connection.on(target, handler);
  await connection.start();
  return { connection, reader };
}
