import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { close, listen, sendJson, serviceRequestListener } from '@fieldline/emulator-kit';
import { WebSocketServer } from 'ws';
import { serveClient, upgradeClient } from './handlers/clientSocket';
import { negotiate, sendWithCors } from './handlers/negotiate';
import { generateToken, restApi, restRoute } from './handlers/restApi';
import type { ServiceContext } from './handlers/serviceContext';
import { createUpstream } from './handlers/upstream';
import { Connections } from './state/connections';

export interface SignalRServerOptions {
  /** Signs every token; random when absent. */
  readonly accessKey?: string;
  readonly pingIntervalMs?: number;
  readonly now?: () => number;
  /**
   * Upstream, as the service's upstream settings: the URL template ({hub}, {category} and {event}
   * are filled in) that connection events and client invocations are POSTed to. Read per call, so
   * it can name a host that starts later. Without one, clients only listen, and one that sends is
   * disconnected.
   */
  readonly upstream?: () => string | undefined;
  /** Deliver each upstream call this many times (default 1): a retrying service, for tests. */
  readonly upstreamDeliveries?: number;
}

export interface RunningSignalR {
  readonly port: number;
  readonly endpoint: string;
  readonly accessKey: string;
  /** `Endpoint=...;AccessKey=...;Version=1.0;`, as the Functions binding reads it. */
  readonly connectionString: string;
  /** Drops every client connection abruptly, as a service failover would. */
  dropAllConnections(): void;
  connectionCount(hub?: string): number;
  stop(): Promise<void>;
}

/**
 * A stand-in for Azure SignalR Service in serverless mode. Clients arrive through the function
 * app's negotiate (which redirects them here with `{url, accessToken}`), negotiate (version 1),
 * and listen on a WebSocket with the JSON hub protocol. The app sends through the data-plane REST
 * API v1: broadcast, to a user, to a group, and group membership by user.
 */
export async function startSignalRServer(
  port: number,
  options: SignalRServerOptions = {},
): Promise<RunningSignalR> {
  const accessKey = options.accessKey ?? randomBytes(32).toString('base64');
  const connections = new Connections();
  let endpoint = '';
  const context: ServiceContext = {
    accessKey,
    now: options.now ?? (() => Date.now()),
    endpoint: () => endpoint,
    connections,
  };
  const upstream = createUpstream({
    accessKey,
    template: () => options.upstream?.(),
    deliveries: options.upstreamDeliveries ?? 1,
  });

  async function handle(request: http.IncomingMessage, response: http.ServerResponse) {
    const url = new URL(request.url ?? '/', endpoint);
    if (request.method === 'OPTIONS') return sendWithCors(request, response, 204);
    if (url.pathname === '/client/negotiate' && request.method === 'POST')
      return negotiate(context, url, request, response);
    const generate = /^\/api\/hubs\/([^/]+)\/:generateToken$/.exec(url.pathname);
    if (generate && request.method === 'POST')
      return generateToken(context, url, decodeURIComponent(generate[1] ?? ''), request, response);
    const rest = restRoute.exec(url.pathname);
    if (rest) return restApi(context, url, rest, request, response);
    sendJson(response, 404, { error: `no route for ${request.method} ${url.pathname}` });
  }

  const server = http.createServer(
    serviceRequestListener(handle, {
      send: (response, error) => sendJson(response, error.status, { error: error.message }),
      internal: {
        status: 500,
        code: 'InternalError',
        message: 'internal error in the SignalR stand-in',
      },
    }),
  );
  const sockets = new WebSocketServer({ noServer: true });
  const pingIntervalMs = options.pingIntervalMs ?? 15_000;
  server.on('upgrade', (request, socket, head) =>
    upgradeClient(context, sockets, request, socket, head, (ws, connection) =>
      serveClient(context, upstream, pingIntervalMs, ws, connection),
    ),
  );

  const boundPort = await listen(server, port, 'SignalR');
  endpoint = `http://127.0.0.1:${boundPort}`;
  return {
    port: boundPort,
    endpoint,
    accessKey,
    connectionString: `Endpoint=${endpoint};AccessKey=${accessKey};Version=1.0;`,
    dropAllConnections: () => connections.terminateAll(),
    connectionCount: (hub) => connections.count(hub),
    async stop() {
      connections.terminateAll();
      sockets.close();
      await close(server);
    },
  };
}
