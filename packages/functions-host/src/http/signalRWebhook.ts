import type http from 'node:http';
import { parseConnectionString, readBody, sendJson } from '@fieldline/emulator-kit';
import type { FunctionDefinition, SignalRFunctionDefinition } from '@fieldline/functions/hosting';
import type { RunFunction } from '../triggers/triggerListeners';
import { type FunctionKeys, isKey, isMasterKey } from './functionKeys';
import { verifyUpstreamSignature } from './upstreamVerification';

const recordSeparator = '\u001e';
// The serverless protocol's message types: an invocation, and the connection events.
// azure-functions-signalrservice-extension, ServerlessProtocolConstants.cs
const messageTypes = { invocation: 1, completion: 3, connected: 10, disconnected: 11 } as const;

/**
 * `POST /runtime/webhooks/signalr`: the SignalR extension's single upstream endpoint, which the
 * service calls for every connection event and client invocation in serverless mode. As in Azure,
 * it needs the system key `signalr_extension` (or the master key) in `code`, and, when the trigger's
 * connection has an access key, an `X-ASRS-Signature` made with it. The function's return value is
 * the body, as a hub-protocol completion message, when the client expects a result.
 * https://learn.microsoft.com/azure/azure-functions/functions-bindings-signalr-service-trigger#signalr-service-integration
 * Returns false for any other request.
 */
export async function handleSignalRWebhook(
  request: http.IncomingMessage,
  response: http.ServerResponse,
  url: URL,
  options: {
    readonly definitions: readonly FunctionDefinition[];
    readonly keys: FunctionKeys;
    readonly settings: Record<string, string | undefined>;
    readonly maxBodyBytes: number;
    readonly run: RunFunction;
  },
): Promise<boolean> {
  if (url.pathname.replace(/\/$/, '') !== '/runtime/webhooks/signalr') return false;
  const refuse = (status: number, code: string, message: string) => {
    sendJson(response, status, { error: { code, message } });
    return true;
  };
  if (request.method !== 'POST') return refuse(405, 'method_not_allowed', 'use POST');
  const header = request.headers['x-functions-key'];
  const code = (Array.isArray(header) ? header[0] : header) ?? url.searchParams.get('code') ?? '';
  if (!isKey(code, options.keys.systemKeys.signalr_extension) && !isMasterKey(code, options.keys))
    return refuse(
      401,
      'unauthorized',
      'the SignalR webhook needs the signalr_extension system key in code',
    );
  const asrs = (name: string) => {
    const value = request.headers[`x-asrs-${name}`];
    return (Array.isArray(value) ? value[0] : value) ?? '';
  };
  const hub = asrs('hub');
  const category = asrs('category');
  const event = asrs('event');
  const connectionId = asrs('connection-id');
  if (!hub || !category || !event || !connectionId)
    return refuse(
      400,
      'bad_request',
      'X-ASRS-Hub, X-ASRS-Category, X-ASRS-Event and X-ASRS-Connection-Id are required',
    );
  const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
  const definition = options.definitions.find(
    (d): d is SignalRFunctionDefinition =>
      d.kind === 'signalR' &&
      same(d.hubName, hub) &&
      d.category === category &&
      same(d.event, event),
  );
  if (!definition)
    return refuse(404, 'not_found', `no SignalR trigger for ${hub}/${category}/${event}`);
  const accessKey = connectionAccessKey(options.settings[definition.connectionStringSetting]);
  if (accessKey && !verifyUpstreamSignature(asrs('signature'), connectionId, accessKey))
    return refuse(401, 'bad_signature', 'X-ASRS-Signature does not match the access key');
  if (!/^application\/json\b/i.test(request.headers['content-type'] ?? ''))
    return refuse(415, 'unsupported_media_type', 'send application/json');
  let message: {
    type?: unknown;
    invocationId?: unknown;
    target?: unknown;
    arguments?: unknown;
    error?: unknown;
  };
  try {
    const text = (await readBody(request, options.maxBodyBytes)).toString('utf8');
    message = JSON.parse(text.split(recordSeparator)[0] ?? '');
  } catch {
    return refuse(400, 'invalid_json', 'the body must be one hub-protocol JSON message');
  }
  const expectedType =
    category === 'messages'
      ? messageTypes.invocation
      : event === 'connected'
        ? messageTypes.connected
        : messageTypes.disconnected;
  if (
    message.type !== expectedType ||
    (category === 'messages' && !same(String(message.target), event))
  )
    return refuse(400, 'bad_request', `the body is not a ${category}/${event} message`);
  const invocationId =
    typeof message.invocationId === 'string' && message.invocationId !== ''
      ? message.invocationId
      : undefined;
  // The extension's InvocationContext, as Azure hands it to the worker (no invocation id).
  const input = {
    Arguments: Array.isArray(message.arguments) ? message.arguments : [],
    Error: typeof message.error === 'string' ? message.error : '',
    Category: category,
    Event: event,
    Hub: hub,
    ConnectionId: connectionId,
    UserId: asrs('user-id'),
    Headers: Object.fromEntries(
      Object.entries(request.headers).map(([name, value]) => [name, String(value)]),
    ),
    Query: Object.fromEntries(new URLSearchParams(asrs('client-query'))),
    Claims: {},
  };
  let completion: Record<string, unknown> | undefined;
  try {
    const result = await options.run(definition, input, {
      reason: `New SignalR ${category} event`,
    });
    completion = { type: messageTypes.completion, invocationId, result: result ?? null };
  } catch (error) {
    completion = {
      type: messageTypes.completion,
      invocationId,
      error: error instanceof Error ? error.message : String(error),
    };
  }
  if (!invocationId) {
    response.writeHead(200).end();
    return true;
  }
  response
    .writeHead(200, { 'content-type': 'application/json' })
    .end(`${JSON.stringify(completion)}${recordSeparator}`);
  return true;
}

const accessKeys = new Map<string, string | undefined>();

/** The access key in a SignalR connection string, parsed once per connection string. */
function connectionAccessKey(connectionString: string | undefined): string | undefined {
  if (!connectionString) return undefined;
  if (!accessKeys.has(connectionString))
    accessKeys.set(connectionString, parseAccessKey(connectionString));
  return accessKeys.get(connectionString);
}

function parseAccessKey(connectionString: string): string | undefined {
  try {
    return parseConnectionString(connectionString, {
      kind: 'a SignalR',
      required: ['AccessKey'],
      example: 'Endpoint=...;AccessKey=...;Version=1.0;',
    }).get('accesskey');
  } catch {
    return undefined; // identity-based: the extension cannot check signatures then
  }
}
