import type http from 'node:http';
import { readBody, sendJson } from '@fieldline/emulator-kit';
import type { FunctionDefinition } from '@fieldline/functions/hosting';
import type { NonHttpFunction } from '../invocation/invocation';
import { type FunctionKeys, isMasterKey } from './functionKeys';
import { decodeRouteValue } from './httpRoute';

/**
 * `POST /admin/functions/{name}` with the master key, as in Azure: runs a non-HTTP function now
 * with `{"input": "..."}`, answering 202 before it finishes (failures are in the log). Returns
 * false for any other request.
 */
export async function handleAdminRequest(
  request: http.IncomingMessage,
  response: http.ServerResponse,
  url: URL,
  options: {
    readonly definitions: readonly FunctionDefinition[];
    readonly keys: FunctionKeys;
    readonly maxBodyBytes: number;
    readonly invokeNow: (definition: NonHttpFunction, input: string) => Promise<void>;
  },
): Promise<boolean> {
  const admin = /^\/admin\/functions\/([^/]+)$/.exec(url.pathname);
  if (!admin || request.method !== 'POST') return false;
  const header = request.headers['x-functions-key'];
  const presentedKey =
    (Array.isArray(header) ? header[0] : header) ?? url.searchParams.get('code') ?? undefined;
  if (!isMasterKey(presentedKey, options.keys)) {
    sendJson(response, 401, {
      error: {
        code: 'unauthorized',
        message: 'the admin API needs the master key in x-functions-key',
      },
    });
    return true;
  }
  const body = (await readBody(request, options.maxBodyBytes)).toString('utf8');
  let input = '';
  try {
    input = body ? String((JSON.parse(body) as { input?: unknown }).input ?? '') : '';
  } catch {
    sendJson(response, 400, { error: { code: 'invalid_json', message: 'send {"input": "..."}' } });
    return true;
  }
  const name = decodeRouteValue(admin[1] ?? '');
  const definition = options.definitions.find((d) => d.name === name);
  if (!definition) {
    sendJson(response, 404, { error: { code: 'not_found', message: `no function named ${name}` } });
    return true;
  }
  if (definition.kind === 'http' || definition.kind === 'signalR') {
    sendJson(response, 400, {
      error: {
        code: 'bad_request',
        message:
          definition.kind === 'http'
            ? `${name} is an HTTP function; call its route instead`
            : `${name} is a SignalR trigger; SignalR Service calls it through /runtime/webhooks/signalr`,
      },
    });
    return true;
  }
  options.invokeNow(definition, input).catch(() => undefined); // failures are in the log, as in Azure
  sendJson(response, 202, undefined);
  return true;
}
