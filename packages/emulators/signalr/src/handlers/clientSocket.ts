import type http from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket, WebSocketServer } from 'ws';
import { frame, recordSeparator, send } from '../protocol/hubProtocol';
import type { ClientConnection } from '../state/connections';
import { clientMayJoin, clientToken, type ServiceContext } from './serviceContext';
import type { Upstream } from './upstream';

/** `GET /client/?id=` upgraded to a WebSocket: a negotiated connection with a token for its hub. */
export function upgradeClient(
  context: ServiceContext,
  sockets: WebSocketServer,
  request: http.IncomingMessage,
  socket: Duplex,
  head: Buffer,
  onAccepted: (ws: WebSocket, connection: ClientConnection) => void,
): void {
  const url = new URL(request.url ?? '/', context.endpoint());
  const id = url.searchParams.get('id') ?? '';
  const connection = context.connections.pending.get(id);
  const token = clientToken(request, url);
  const valid =
    url.pathname.replace(/\/$/, '') === '/client' &&
    connection !== undefined &&
    token !== undefined &&
    clientMayJoin(context, request, token, connection.hub).ok;
  if (!valid || !connection) {
    socket.end('HTTP/1.1 401 Unauthorized\r\nconnection: close\r\n\r\n');
    return;
  }
  context.connections.pending.delete(id);
  sockets.handleUpgrade(request, socket, head, (ws) => onAccepted(ws, connection));
}

/**
 * A client on the JSON hub protocol: the handshake, pings, and invocations sent upstream in order.
 * Without an upstream, serverless clients only listen, and the service disconnects one that sends.
 */
export function serveClient(
  context: ServiceContext,
  upstream: Upstream,
  pingIntervalMs: number,
  ws: WebSocket,
  connection: ClientConnection,
): void {
  let handshaken = false;
  const ping = setInterval(() => ws.send(frame({ type: 6 })), pingIntervalMs);
  let left = false;
  const leave = (error?: string) => {
    clearInterval(ping);
    context.connections.goOffline(connection);
    if (left || !handshaken) return;
    left = true;
    upstream.enqueue(connection, 'connections', 'disconnected', { type: 11, error: error ?? '' });
  };
  ws.on('close', () => leave());
  ws.on('error', (error) => leave(error.message));
  ws.on('message', (data) => {
    for (const record of data.toString().split(recordSeparator)) {
      if (record === '') continue;
      let message: { protocol?: unknown; type?: unknown; invocationId?: unknown; target?: unknown };
      try {
        message = JSON.parse(record);
      } catch {
        ws.close(1002, 'invalid JSON');
        return;
      }
      if (!handshaken) {
        if (message.protocol !== 'json') {
          ws.send(
            frame({ error: `Requested protocol '${String(message.protocol)}' is not available.` }),
          );
          ws.close();
          return;
        }
        handshaken = true;
        connection.socket = ws;
        context.connections.goLive(connection);
        ws.send(`{}${recordSeparator}`);
        upstream.enqueue(connection, 'connections', 'connected', { type: 10 });
        continue;
      }
      if (message.type === 6) continue; // ping
      if (message.type === 7) {
        ws.close();
        return;
      }
      if (!upstream.configured()) {
        ws.send(
          frame({
            type: 7,
            error: 'Clients in serverless mode cannot send messages.',
            allowReconnect: false,
          }),
        );
        ws.close();
        return;
      }
      const invocationId =
        typeof message.invocationId === 'string' ? message.invocationId : undefined;
      if (message.type === 1 && typeof message.target === 'string') {
        upstream.enqueue(connection, 'messages', message.target, message, invocationId);
      } else if (message.type === 4 && invocationId) {
        send(ws, {
          type: 3,
          invocationId,
          error: 'Streaming is not supported in serverless mode.',
        });
      }
      // Other messages (completions of client results, cancellations, stream items) are dropped.
    }
  });
}
