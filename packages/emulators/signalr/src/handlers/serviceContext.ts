import type http from 'node:http';
import { sendJson } from '@fieldline/emulator-kit';
import { verifyAccessToken } from '../protocol/accessToken';
import type { Connections } from '../state/connections';

/** What every handler of the service shares. */
export interface ServiceContext {
  readonly accessKey: string;
  readonly now: () => number;
  /** `http://127.0.0.1:{port}`, once listening. */
  readonly endpoint: () => string;
  readonly connections: Connections;
}

const hubPattern = /^[A-Za-z][A-Za-z0-9_]*$/;

/**
 * The endpoint as the caller addressed it, which tokens' audiences name, as the service checks
 * them against the URL called. It differs from `endpoint` behind a proxy.
 */
export function addressedAs(context: ServiceContext, request: http.IncomingMessage): string {
  return request.headers.host ? `http://${request.headers.host}` : context.endpoint();
}

/** A client's token: the `Authorization` header, or `access_token` in the query (WebSockets). */
export function clientToken(request: http.IncomingMessage, url: URL): string | undefined {
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice('Bearer '.length);
  return url.searchParams.get('access_token') ?? undefined;
}

/** Whether a client token is good for `hub` at the address the client called. */
export function clientMayJoin(
  context: ServiceContext,
  request: http.IncomingMessage,
  token: string,
  hub: string,
) {
  const audience = `${addressedAs(context, request)}/client/?hub=${hub}`;
  return verifyAccessToken(token, context.accessKey, audience, context.now());
}

/**
 * An app server's call: its access-key token must name the URL called, and the hub must be a
 * valid name. Answers 401 or 400 itself and returns false when it is not.
 */
export function authorizeAppServer(
  context: ServiceContext,
  request: http.IncomingMessage,
  response: http.ServerResponse,
  url: URL,
  hub: string,
): boolean {
  const token = request.headers.authorization?.replace(/^Bearer /, '') ?? '';
  const audience = `${addressedAs(context, request)}${url.pathname}`;
  const check = verifyAccessToken(token, context.accessKey, audience, context.now());
  if (!check.ok) sendJson(response, 401, { error: check.reason });
  else if (!hubPattern.test(hub)) sendJson(response, 400, { error: `invalid hub name ${hub}` });
  return check.ok && hubPattern.test(hub);
}
