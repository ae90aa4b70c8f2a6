import type http from 'node:http';
import { BodyTooLargeError, readBody, sendJson } from '@fieldline/emulator-kit';
import { signAccessToken } from '../protocol/accessToken';
import { frame } from '../protocol/hubProtocol';
import { addressedAs, authorizeAppServer, type ServiceContext } from './serviceContext';

/** `/api/v1/hubs/{hub}[/(users|groups|connections)/{id}[/(users|connections)/{member}]]`. */
export const restRoute =
  /^\/api\/v1\/hubs\/([^/]+)(?:\/(users|groups|connections)\/([^/]+)(?:\/(users|connections)\/([^/]+))?)?$/;

/**
 * `POST /api/hubs/{hub}/:generateToken` (data-plane API 2024-12-01): a client token for the hub,
 * with the user id when given, for an app server whose own token the access key signed.
 */
export function generateToken(
  context: ServiceContext,
  url: URL,
  hub: string,
  request: http.IncomingMessage,
  response: http.ServerResponse,
) {
  if (!authorizeAppServer(context, request, response, url, hub)) return;
  const minutes = Number(url.searchParams.get('minutesToExpire') ?? '60');
  if (!Number.isInteger(minutes) || minutes < 1)
    return sendJson(response, 400, { error: 'minutesToExpire must be a whole number from 1' });
  const userId = url.searchParams.get('userId') ?? undefined;
  const issuedAt = Math.floor(context.now() / 1000);
  sendJson(response, 200, {
    token: signAccessToken(
      {
        aud: `${addressedAs(context, request)}/client/?hub=${hub}`,
        iat: issuedAt,
        exp: issuedAt + minutes * 60,
        ...(userId ? { nameid: userId } : {}),
      },
      context.accessKey,
    ),
  });
}

/** The data-plane REST API v1: send to everyone, a user, a connection or a group; group membership. */
export async function restApi(
  context: ServiceContext,
  url: URL,
  route: RegExpExecArray,
  request: http.IncomingMessage,
  response: http.ServerResponse,
): Promise<void> {
  const [, hub = '', scope, target, memberKind, member] = route;
  if (!authorizeAppServer(context, request, response, url, hub)) return;
  const decodedTarget = target ? decodeURIComponent(target) : undefined;
  if (scope === 'groups' && memberKind && member) {
    if (request.method !== 'PUT' && request.method !== 'DELETE')
      return sendJson(response, 405, { error: 'use PUT or DELETE for group membership' });
    context.connections.setMembership(
      hub,
      decodedTarget ?? '',
      { kind: memberKind === 'users' ? 'users' : 'connections', id: decodeURIComponent(member) },
      request.method === 'PUT',
    );
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
  const data = frame({ type: 1, target: message.target, arguments: message.arguments });
  for (const connection of context.connections.audience(hub, scope, decodedTarget))
    connection.socket?.send(data);
  sendJson(response, 202, undefined);
}
