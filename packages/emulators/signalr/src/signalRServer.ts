import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import {
  BodyTooLargeError,
  close,
  corsHeaders,
  listen,
  readBody,
  sendJson,
} from '@fieldline/emulator-kit';
import { type WebSocket, WebSocketServer } from 'ws';
import { signAccessToken, verifyAccessToken } from './protocol/accessToken';
import { clientCors } from './protocol/clientCors';
import { signUpstream } from './protocol/upstreamSigning';

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

interface ClientConnection {
  readonly id: string;
  readonly hub: string;
  readonly userId: string | undefined;
  /** The query the client connected with, for `X-ASRS-Client-Query`. */
  readonly query: string;
  socket?: WebSocket;
  /** Upstream calls for this connection, one at a time and in order, as a hub runs them. */
  upstream: Promise<void>;
}

const recordSeparator = '\u001e';
const hubPattern = /^[A-Za-z][A-Za-z0-9_]*$/;

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
  const now = options.now ?? (() => Date.now());
  const pending = new Map<string, ClientConnection>();
  const live = new Set<ClientConnection>();
  // Indexes of `live`, so that a send to a user, connection or group does not scan every connection.
  const byId = new Map<string, ClientConnection>();
  const byUser = new Map<string, Set<ClientConnection>>();
  const goLive = (connection: ClientConnection) => {
    live.add(connection);
    byId.set(connection.id, connection);
    if (connection.userId) {
      const mine = byUser.get(connection.userId) ?? new Set<ClientConnection>();
      byUser.set(connection.userId, mine.add(connection));
    }
  };
  const goOffline = (connection: ClientConnection) => {
    live.delete(connection);
    byId.delete(connection.id);
    if (connection.userId) byUser.get(connection.userId)?.delete(connection);
  };
  /** The live connections of `hub` a REST send to `scope`/`target` reaches. */
  function* audience(
    hub: string,
    scope: string | undefined,
    target: string | undefined,
  ): Iterable<ClientConnection> {
    const found = new Set<ClientConnection>();
    if (scope === 'users') for (const c of byUser.get(target ?? '') ?? []) found.add(c);
    else if (scope === 'connections') {
      const connection = byId.get(target ?? '');
      if (connection) found.add(connection);
    } else if (scope === 'groups') {
      for (const member of groups.get(`${hub}/${target}`) ?? []) {
        const id = member.slice(2);
        if (member.startsWith('u:')) for (const c of byUser.get(id) ?? []) found.add(c);
        else {
          const connection = byId.get(id);
          if (connection) found.add(connection);
        }
      }
    } else for (const c of live) found.add(c);
    for (const connection of found) if (connection.hub === hub) yield connection;
  }
  const groups = new Map<string, Set<string>>(); // `${hub}/${group}` -> user ids
  let endpoint = '';

  const server = http.createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (error instanceof BodyTooLargeError) sendJson(response, 413, { error: error.message });
      else sendJson(response, 500, { error: 'internal error in the SignalR stand-in' });
    });
  });
  const sockets = new WebSocketServer({ noServer: true });

  async function handle(
    request: http.IncomingMessage,
    response: http.ServerResponse,
  ): Promise<void> {
    const url = new URL(request.url ?? '/', endpoint);
    if (request.method === 'OPTIONS') return cors(request, response, 204);
    if (url.pathname === '/client/negotiate' && request.method === 'POST')
      return negotiate(url, request, response);
    const generate = /^\/api\/hubs\/([^/]+)\/:generateToken$/.exec(url.pathname);
    if (generate && request.method === 'POST')
      return generateToken(url, decodeURIComponent(generate[1] ?? ''), request, response);
    const rest =
      /^\/api\/v1\/hubs\/([^/]+)(?:\/(users|groups|connections)\/([^/]+)(?:\/(users|connections)\/([^/]+))?)?$/.exec(
        url.pathname,
      );
    if (rest) return restApi(url, rest, request, response);
    sendJson(response, 404, { error: `no route for ${request.method} ${url.pathname}` });
  }

  function cors(
    request: http.IncomingMessage,
    response: http.ServerResponse,
    status: number,
    body?: unknown,
  ) {
    sendJson(response, status, body, corsHeaders(request.headers.origin, clientCors));
  }

  /**
   * The endpoint as the caller addressed it, which tokens' audiences name, as the service checks
   * them against the URL called. It differs from `endpoint` behind a proxy.
   */
  function addressedAs(request: http.IncomingMessage): string {
    return request.headers.host ? `http://${request.headers.host}` : endpoint;
  }

  function clientToken(request: http.IncomingMessage, url: URL): string | undefined {
    const header = request.headers.authorization;
    if (header?.startsWith('Bearer ')) return header.slice('Bearer '.length);
    return url.searchParams.get('access_token') ?? undefined;
  }

  function negotiate(url: URL, request: http.IncomingMessage, response: http.ServerResponse) {
    const hub = url.searchParams.get('hub') ?? '';
    const token = clientToken(request, url);
    const check = token
      ? verifyAccessToken(token, accessKey, `${addressedAs(request)}/client/?hub=${hub}`, now())
      : ({ ok: false, reason: 'no access token' } as const);
    if (!check.ok) return cors(request, response, 401, { error: check.reason });
    const connectionId = randomUUID();
    const connectionToken = randomUUID();
    const version = url.searchParams.get('negotiateVersion') === '1' ? 1 : 0;
    pending.set(version === 1 ? connectionToken : connectionId, {
      id: connectionId,
      hub,
      userId: check.claims.nameid,
      query: url.search.replace(/^\?/, ''),
      upstream: Promise.resolve(),
    });
    cors(request, response, 200, {
      negotiateVersion: version,
      connectionId,
      ...(version === 1 ? { connectionToken } : {}),
      availableTransports: [{ transport: 'WebSockets', transferFormats: ['Text', 'Binary'] }],
    });
  }

  /**
   * An app server's call: its access-key token must name the URL called, and the hub must be a
   * valid name. Answers 401 or 400 itself and returns false when it is not.
   */
  function authorizeAppServer(
    request: http.IncomingMessage,
    response: http.ServerResponse,
    url: URL,
    hub: string,
  ): boolean {
    const token = request.headers.authorization?.replace(/^Bearer /, '') ?? '';
    const check = verifyAccessToken(
      token,
      accessKey,
      `${addressedAs(request)}${url.pathname}`,
      now(),
    );
    if (!check.ok) sendJson(response, 401, { error: check.reason });
    else if (!hubPattern.test(hub)) sendJson(response, 400, { error: `invalid hub name ${hub}` });
    return check.ok && hubPattern.test(hub);
  }

  /**
   * `POST /api/hubs/{hub}/:generateToken` (data-plane API 2024-12-01): a client token for the hub,
   * with the user id when given, for an app server whose own token the access key signed.
   */
  function generateToken(
    url: URL,
    hub: string,
    request: http.IncomingMessage,
    response: http.ServerResponse,
  ) {
    if (!authorizeAppServer(request, response, url, hub)) return;
    const minutes = Number(url.searchParams.get('minutesToExpire') ?? '60');
    if (!Number.isInteger(minutes) || minutes < 1)
      return sendJson(response, 400, { error: 'minutesToExpire must be a whole number from 1' });
    const userId = url.searchParams.get('userId') ?? undefined;
    const issuedAt = Math.floor(now() / 1000);
    sendJson(response, 200, {
      token: signAccessToken(
        {
          aud: `${addressedAs(request)}/client/?hub=${hub}`,
          iat: issuedAt,
          exp: issuedAt + minutes * 60,
          ...(userId ? { nameid: userId } : {}),
        },
        accessKey,
      ),
    });
  }

  async function restApi(
    url: URL,
    route: RegExpExecArray,
    request: http.IncomingMessage,
    response: http.ServerResponse,
  ) {
    const [, hub = '', scope, target, memberKind, member] = route;
    if (!authorizeAppServer(request, response, url, hub)) return;
    const decodedTarget = target ? decodeURIComponent(target) : undefined;
    if (scope === 'groups' && memberKind && member) {
      // Members are user ids and connection ids, kept apart by a prefix.
      const key = `${hub}/${decodedTarget}`;
      const members = groups.get(key) ?? new Set<string>();
      const entry = `${memberKind === 'users' ? 'u' : 'c'}:${decodeURIComponent(member)}`;
      if (request.method === 'PUT') members.add(entry);
      else if (request.method === 'DELETE') members.delete(entry);
      else return sendJson(response, 405, { error: 'use PUT or DELETE for group membership' });
      groups.set(key, members);
      return sendJson(response, 202, undefined);
    }
    if (memberKind) return sendJson(response, 404, { error: `no route for ${url.pathname}` });
    if (request.method !== 'POST') return sendJson(response, 405, { error: 'use POST to send' });
    let message: { target?: unknown; arguments?: unknown };
    try {
      message = JSON.parse((await readBody(request, 1024 * 1024)).toString('utf8'));
    } catch (error) {
      if (error instanceof BodyTooLargeError) throw error;
      return sendJson(response, 400, { error: 'the body is not JSON' });
    }
    if (typeof message.target !== 'string' || !Array.isArray(message.arguments)) {
      return sendJson(response, 400, {
        error: 'the body must be {"target": string, "arguments": [...]}',
      });
    }
    const frame = `${JSON.stringify({ type: 1, target: message.target, arguments: message.arguments })}${recordSeparator}`;
    for (const connection of audience(hub, scope, decodedTarget)) {
      connection.socket?.send(frame);
    }
    sendJson(response, 202, undefined);
  }

  server.on('upgrade', (request, socket, head) => {
    const url = new URL(request.url ?? '/', endpoint);
    const id = url.searchParams.get('id') ?? '';
    const connection = pending.get(id);
    const token = clientToken(request, url);
    const valid =
      url.pathname.replace(/\/$/, '') === '/client' &&
      connection !== undefined &&
      token !== undefined &&
      verifyAccessToken(
        token,
        accessKey,
        `${addressedAs(request)}/client/?hub=${connection.hub}`,
        now(),
      ).ok;
    if (!valid || !connection) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nconnection: close\r\n\r\n');
      return;
    }
    pending.delete(id);
    sockets.handleUpgrade(request, socket, head, (ws) => accept(ws, connection));
  });

  function accept(ws: WebSocket, connection: ClientConnection) {
    let handshaken = false;
    const ping = setInterval(
      () => ws.send(`{"type":6}${recordSeparator}`),
      options.pingIntervalMs ?? 15_000,
    );
    let left = false;
    const leave = (error?: string) => {
      clearInterval(ping);
      goOffline(connection);
      if (left || !handshaken) return;
      left = true;
      enqueueUpstream(connection, 'connections', 'disconnected', { type: 11, error: error ?? '' });
    };
    ws.on('close', () => leave());
    ws.on('error', (error) => leave(error.message));
    ws.on('message', (data) => {
      for (const record of data.toString().split(recordSeparator)) {
        if (record === '') continue;
        let message: {
          protocol?: unknown;
          type?: unknown;
          invocationId?: unknown;
          target?: unknown;
        };
        try {
          message = JSON.parse(record);
        } catch {
          ws.close(1002, 'invalid JSON');
          return;
        }
        if (!handshaken) {
          if (message.protocol !== 'json') {
            ws.send(
              `${JSON.stringify({ error: `Requested protocol '${String(message.protocol)}' is not available.` })}${recordSeparator}`,
            );
            ws.close();
            return;
          }
          handshaken = true;
          connection.socket = ws;
          goLive(connection);
          ws.send(`{}${recordSeparator}`);
          enqueueUpstream(connection, 'connections', 'connected', { type: 10 });
          continue;
        }
        if (message.type === 6) continue; // ping
        if (message.type === 7) {
          ws.close();
          return;
        }
        if (!options.upstream?.()) {
          // Without upstream, serverless clients only listen; the service disconnects one that sends.
          ws.send(
            `${JSON.stringify({ type: 7, error: 'Clients in serverless mode cannot send messages.', allowReconnect: false })}${recordSeparator}`,
          );
          ws.close();
          return;
        }
        const invocationId =
          typeof message.invocationId === 'string' ? message.invocationId : undefined;
        if (message.type === 1 && typeof message.target === 'string') {
          enqueueUpstream(connection, 'messages', message.target, message, invocationId);
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

  function send(ws: WebSocket | undefined, message: unknown) {
    if (ws?.readyState === ws?.OPEN) ws?.send(`${JSON.stringify(message)}${recordSeparator}`);
  }

  function enqueueUpstream(
    connection: ClientConnection,
    category: 'connections' | 'messages',
    event: string,
    body: unknown,
    invocationId?: string,
  ) {
    connection.upstream = connection.upstream.then(async () => {
      const completion = await callUpstream(connection, category, event, body, invocationId);
      if (invocationId) send(connection.socket, completion);
    });
  }

  /**
   * One upstream call, as the service makes it: POST to the URL template, the serverless protocol's
   * message as the body, and the `X-ASRS-*` headers with the connection id signed by the access key.
   * A client's invocation completes with what the endpoint answers (a hub-protocol completion), or
   * with an error when the endpoint fails.
   * https://learn.microsoft.com/azure/azure-signalr/concept-upstream#serverless-protocols
   */
  async function callUpstream(
    connection: ClientConnection,
    category: 'connections' | 'messages',
    event: string,
    body: unknown,
    invocationId: string | undefined,
  ): Promise<Record<string, unknown>> {
    const failed = (reason: string) => ({ type: 3, invocationId, error: reason });
    const template = options.upstream?.();
    if (!template) return failed('No upstream is configured.');
    const url = template
      .replaceAll('{hub}', encodeURIComponent(connection.hub))
      .replaceAll('{category}', category)
      .replaceAll('{event}', encodeURIComponent(event));
    const headers = {
      'content-type': 'application/json',
      'x-asrs-connection-id': connection.id,
      'x-asrs-hub': connection.hub,
      'x-asrs-category': category,
      'x-asrs-event': event,
      'x-asrs-signature': signUpstream(connection.id, [accessKey]),
      'x-asrs-client-query': connection.query,
      ...(connection.userId ? { 'x-asrs-user-id': connection.userId } : {}),
    };
    let outcome: Record<string, unknown> = failed('The upstream did not answer.');
    for (let delivery = 0; delivery < (options.upstreamDeliveries ?? 1); delivery++) {
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers,
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(100_000),
        });
        const text = await response.text();
        if (!response.ok) {
          outcome = failed(`The upstream answered ${response.status}.`);
          continue;
        }
        const completion = invocationId
          ? (JSON.parse(text.split(recordSeparator)[0] || 'null') as Record<string, unknown> | null)
          : null;
        outcome =
          completion?.type === 3
            ? { ...completion, invocationId }
            : { type: 3, invocationId, result: null };
      } catch (error) {
        outcome = failed(
          `The upstream call failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
    return outcome;
  }

  const boundPort = await listen(server, port, 'SignalR');
  endpoint = `http://127.0.0.1:${boundPort}`;
  return {
    port: boundPort,
    endpoint,
    accessKey,
    connectionString: `Endpoint=${endpoint};AccessKey=${accessKey};Version=1.0;`,
    dropAllConnections() {
      for (const connection of [...live]) {
        connection.socket?.terminate();
        goOffline(connection);
      }
    },
    connectionCount: (hub) => [...live].filter((c) => hub === undefined || c.hub === hub).length,
    async stop() {
      for (const connection of live) connection.socket?.terminate();
      sockets.close();
      await close(server);
    },
  };
}
