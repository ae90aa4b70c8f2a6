import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { corsHeaders, sendJson } from '@fieldline/emulator-kit';
import { clientCors } from '../protocol/clientCors';
import { clientMayJoin, clientToken, type ServiceContext } from './serviceContext';

export function sendWithCors(
  request: http.IncomingMessage,
  response: http.ServerResponse,
  status: number,
  body?: unknown,
): void {
  sendJson(response, status, body, corsHeaders(request.headers.origin, clientCors));
}

/** `POST /client/negotiate?hub=`: a client with a valid token gets a connection to open (v0 or v1). */
export function negotiate(
  context: ServiceContext,
  url: URL,
  request: http.IncomingMessage,
  response: http.ServerResponse,
) {
  const hub = url.searchParams.get('hub') ?? '';
  const token = clientToken(request, url);
  const check = token
    ? clientMayJoin(context, request, token, hub)
    : ({ ok: false, reason: 'no access token' } as const);
  if (!check.ok) return sendWithCors(request, response, 401, { error: check.reason });
  const connectionId = randomUUID();
  const connectionToken = randomUUID();
  const version = url.searchParams.get('negotiateVersion') === '1' ? 1 : 0;
  context.connections.pending.set(version === 1 ? connectionToken : connectionId, {
    id: connectionId,
    hub,
    userId: check.claims.nameid,
    query: url.search.replace(/^\?/, ''),
    upstream: Promise.resolve(),
  });
  sendWithCors(request, response, 200, {
    negotiateVersion: version,
    connectionId,
    ...(version === 1 ? { connectionToken } : {}),
    availableTransports: [{ transport: 'WebSockets', transferFormats: ['Text', 'Binary'] }],
  });
}
