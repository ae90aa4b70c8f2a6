import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import http from 'node:http';
import { HttpRequest, HttpResponse, type HttpResponseInit } from '@azure/functions';
import type {
  Authenticate,
  FunctionDefinition,
  HttpFunctionDefinition,
} from '../../functions/src/hosting';
import { guardHttp } from '../../functions/src/hosting';
import { type HubEvent, toEventHubInvocation } from '../eventHubInvocation';
import { createInvocationContext } from '../functionInvocation';
import { BodyTooLargeError, close, listen, readBody, sendJson } from '../httpServer';
import type { HubEventLog } from '../iotHub/hubEventLog';
import { createBindingRuntime } from './bindingRuntime';
import { type FunctionKeys, isMasterKey } from './functionKeys';
import { compileRoute, type HttpRoute } from './httpRoute';
import { resolveSettingExpression } from './settingExpression';
import {
  listenToEventHub,
  listenToQueue,
  type QueueSettings,
  type RunFunction,
  runOnSchedule,
} from './triggerListeners';

export interface FunctionHostOptions {
  readonly definitions: readonly FunctionDefinition[];
  /** App settings, as Azure would set them: binding connections and `%NAME%` expressions resolve here. */
  readonly settings: Record<string, string | undefined>;
  readonly keys: FunctionKeys;
  /** Validates bearer tokens for functions whose access needs one; without it they answer 503. */
  readonly authenticate?: Authenticate;
  /** Port for HTTP; 0 picks a free one. */
  readonly port: number;
  /** Origins allowed by CORS (`*` for any). */
  readonly corsOrigins?: readonly string[];
  /** The event log behind an Event Hubs connection, by (connection setting, resolved hub name). */
  readonly eventHubs?: (connection: string, eventHubName: string) => HubEventLog | undefined;
  readonly hostJson?: HostJson;
  readonly log?: (line: string) => void;
  /**
   * Event Hubs checkpoints by consumer group and partition. Pass the same map to a restarted host
   * and it goes on from where the last one stopped, as Azure's checkpoints in blob storage do.
   */
  readonly checkpoints?: Map<string, number>;
}

export interface HostJson {
  readonly extensions?: {
    readonly http?: { readonly routePrefix?: string };
    readonly eventHubs?: { readonly maxEventBatchSize?: number };
    readonly queues?: {
      readonly batchSize?: number;
      readonly maxDequeueCount?: number;
      readonly visibilityTimeout?: string;
      readonly maxPollingInterval?: string;
    };
  };
}

export interface RunningFunctionHost {
  readonly port: number;
  readonly baseUrl: string;
  /** Runs a non-HTTP function now, as `POST /admin/functions/{name}` does. */
  invoke(name: string, input: string): Promise<void>;
  stop(): Promise<void>;
}

// HTTP request bodies the host accepts (Azure's front end allows up to 100 MB; locally 4 MB is plenty).
const maxRequestBytes = 4 * 1024 * 1024;

/**
 * The local Functions host: drives the same definitions `index.ts` registers with Azure, with the
 * platform's trigger and binding semantics, so that what works here works the same way there.
 */
export async function startFunctionHost(
  options: FunctionHostOptions,
): Promise<RunningFunctionHost> {
  const log = options.log ?? ((line: string) => console.log(line));
  const bindings = createBindingRuntime({ settings: options.settings });
  const routePrefix = (options.hostJson?.extensions?.http?.routePrefix ?? 'api').replace(
    /^\/|\/$/g,
    '',
  );
  const abort = new AbortController();
  // Every trigger listener (one per partition and consumer group, each queue and timer) waits on it.
  setMaxListeners(100, abort.signal);
  const httpFunctions = options.definitions
    .filter((d): d is HttpFunctionDefinition => d.kind === 'http')
    .map((definition) => ({ definition, route: compileRoute(definition.route) as HttpRoute }));
  // The same wrapper the Azure registration uses: declared access, body limit, JSON errors.
  const guarded = new Map(
    httpFunctions.map(({ definition }) => [
      definition.name,
      guardHttp(definition, options.authenticate),
    ]),
  );

  const run: RunFunction = async (definition, input, runOptions) => {
    const found = options.definitions.find((d) => d.name === definition.name);
    if (!found) throw new Error(`no function ${definition.name}`);
    const context = createInvocationContext(found, {
      ...(runOptions.triggerMetadata ? { triggerMetadata: runOptions.triggerMetadata } : {}),
      ...(runOptions.retry ? { retryContext: runOptions.retry } : {}),
      log,
    });
    const started = performance.now();
    const id = context.invocationId;
    log(`Executing '${found.name}' (Reason='${runOptions.reason}', Id=${id})`);
    try {
      const handler = (found.kind === 'http' ? guarded.get(found.name) : found.handler) as (
        input: unknown,
        context: unknown,
      ) => Promise<unknown>;
      const result = await handler(input, context);
      await bindings.deliverOutputs(found, context);
      log(
        `Executed '${found.name}' (Succeeded, Id=${id}, Duration=${Math.round(performance.now() - started)}ms)`,
      );
      return result;
    } catch (error) {
      log(
        `Executed '${found.name}' (Failed, Id=${id}, Duration=${Math.round(performance.now() - started)}ms): ${describe(error)}`,
      );
      throw error;
    }
  };

  const server = http.createServer((request, response) => {
    handleHttp(request, response).catch((error: unknown) => {
      if (error instanceof BodyTooLargeError) {
        return sendJson(response, 413, {
          error: { code: 'payload_too_large', message: error.message },
        });
      }
      log(`host error: ${describe(error)}`);
      sendJson(response, 500, {
        error: { code: 'internal', message: 'the local host failed; see its log' },
      });
    });
  });

  async function handleHttp(
    request: http.IncomingMessage,
    response: http.ServerResponse,
  ): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const corsHeaders = allowedCors(request.headers.origin, options.corsOrigins ?? []);
    if (request.method === 'OPTIONS' && request.headers['access-control-request-method']) {
      response.writeHead(corsHeaders ? 204 : 403, {
        ...corsHeaders,
        'access-control-allow-methods': 'GET, POST, PUT, DELETE, PATCH, OPTIONS',
        'access-control-allow-headers': String(
          request.headers['access-control-request-headers'] ?? '*',
        ),
        'access-control-max-age': '600',
      });
      response.end();
      return;
    }
    const admin = /^\/admin\/functions\/([^/]+)$/.exec(url.pathname);
    if (admin && request.method === 'POST') {
      const presentedKey =
        header(request, 'x-functions-key') ?? url.searchParams.get('code') ?? undefined;
      if (!isMasterKey(presentedKey, options.keys)) {
        return sendJson(response, 401, {
          error: {
            code: 'unauthorized',
            message: 'the admin API needs the master key in x-functions-key',
          },
        });
      }
      const body = (await readBody(request, maxRequestBytes)).toString('utf8');
      let input = '';
      try {
        input = body ? String((JSON.parse(body) as { input?: unknown }).input ?? '') : '';
      } catch {
        return sendJson(response, 400, {
          error: { code: 'invalid_json', message: 'send {"input": "..."}' },
        });
      }
      const name = decodeURIComponent(admin[1] ?? '');
      const definition = options.definitions.find((d) => d.name === name);
      if (!definition)
        return sendJson(response, 404, {
          error: { code: 'not_found', message: `no function named ${name}` },
        });
      if (definition.kind === 'http') {
        return sendJson(response, 400, {
          error: {
            code: 'bad_request',
            message: `${name} is an HTTP function; call its route instead`,
          },
        });
      }
      invoke(definition, input).catch(() => undefined); // failures are in the log, as in Azure
      return sendJson(response, 202, undefined);
    }
    const prefix = `/${routePrefix}/`;
    if (!url.pathname.startsWith(prefix)) {
      return sendJson(
        response,
        404,
        { error: { code: 'not_found', message: `no route ${url.pathname}` } },
        corsHeaders,
      );
    }
    const path = url.pathname.slice(prefix.length);
    const matches = httpFunctions.flatMap(({ definition, route }) => {
      const params = route.match(path);
      return params ? [{ definition, params }] : [];
    });
    const chosen = matches.find(({ definition }) =>
      definition.methods.includes((request.method ?? 'GET') as never),
    );
    if (!chosen) {
      const status = matches.length > 0 ? 405 : 404;
      const message =
        status === 405
          ? `${request.method} is not allowed on /${routePrefix}/${path}`
          : `no function at /${routePrefix}/${path}`;
      return sendJson(
        response,
        status,
        { error: { code: status === 405 ? 'bad_request' : 'not_found', message } },
        corsHeaders,
      );
    }
    const body = await readBody(request, maxRequestBytes);
    const httpRequest = new HttpRequest({
      method: request.method ?? 'GET',
      url: `http://${request.headers.host ?? '127.0.0.1'}${request.url ?? '/'}`,
      headers: flattenHeaders(request.headers),
      params: chosen.params,
      ...(body.length > 0 ? { body: { bytes: body } } : {}),
    });
    let init: HttpResponseInit;
    try {
      init = ((await run(chosen.definition, httpRequest, {
        reason: 'This function was programmatically called via the host APIs.',
      })) ?? {}) as HttpResponseInit;
    } catch {
      return sendJson(
        response,
        500,
        { error: { code: 'internal', message: 'the function failed; see the host log' } },
        corsHeaders,
      );
    }
    const answer = new HttpResponse(init);
    const bytes = Buffer.from(await answer.arrayBuffer());
    const headers: Record<string, string> = { ...corsHeaders };
    answer.headers.forEach((value, name) => {
      headers[name] = value;
    });
    headers['content-length'] = String(bytes.length);
    response.writeHead(answer.status, headers);
    response.end(bytes);
  }

  async function invoke(
    definition: Exclude<FunctionDefinition, HttpFunctionDefinition>,
    input: string,
  ): Promise<void> {
    const reason = 'This function was programmatically called via the host APIs.';
    switch (definition.kind) {
      case 'timer':
        await run(
          definition,
          { isPastDue: false, schedule: { adjustForDST: true }, scheduleStatus: undefined },
          { reason },
        );
        return;
      case 'storageQueue':
        await run(definition, input === '' ? '' : safeJson(input), {
          reason,
          triggerMetadata: {
            id: randomUUID(),
            dequeueCount: 1,
            insertionTime: new Date().toISOString(),
          },
        });
        return;
      case 'eventHub': {
        const event: HubEvent = {
          body: safeJson(input),
          sequenceNumber: 0,
          offset: '0',
          enqueuedTime: new Date(),
        };
        const { messages, triggerMetadata } = toEventHubInvocation([event], {
          consumerGroup: definition.consumerGroup,
          eventHubName: resolveSettingExpression(definition.eventHubName, options.settings),
          fullyQualifiedNamespace: 'localhost',
          partitionId: '0',
        });
        await run(definition, messages, { reason, triggerMetadata });
        return;
      }
      default: {
        const unhandled: never = definition;
        throw new Error(`cannot invoke ${JSON.stringify(unhandled)}`);
      }
    }
  }

  const port = await listen(server, options.port, 'function host');
  const listeners: Promise<unknown>[] = [];
  const queueSettings = readQueueSettings(options.hostJson);
  const checkpoints = options.checkpoints ?? new Map<string, number>();
  for (const definition of options.definitions) {
    // As in Azure, the app setting AzureWebJobs.<name>.Disabled=true stops a trigger from firing;
    // the admin endpoint can still run the function.
    if (options.settings[`AzureWebJobs.${definition.name}.Disabled`]?.toLowerCase() === 'true') {
      log(`${definition.name}: disabled by AzureWebJobs.${definition.name}.Disabled`);
      continue;
    }
    switch (definition.kind) {
      case 'eventHub': {
        const eventHubName = resolveSettingExpression(definition.eventHubName, options.settings);
        const source = options.eventHubs?.(definition.connection, eventHubName);
        if (!source) {
          log(
            `${definition.name}: no local event source for ${definition.connection}/${eventHubName}; trigger disabled`,
          );
          break;
        }
        listeners.push(
          ...listenToEventHub(definition, {
            log: source,
            eventHubName,
            checkpoints,
            maxBatchSize: options.hostJson?.extensions?.eventHubs?.maxEventBatchSize ?? 100,
            run,
            signal: abort.signal,
          }),
        );
        break;
      }
      case 'storageQueue':
        listeners.push(
          listenToQueue(definition, {
            bindings,
            settings: options.settings,
            queue: queueSettings,
            run,
            signal: abort.signal,
            log,
          }).catch((error: unknown) =>
            log(`${definition.name}: queue listener stopped: ${describe(error)}`),
          ),
        );
        break;
      case 'timer':
        listeners.push(runOnSchedule(definition, { run, signal: abort.signal }));
        break;
      case 'http':
        break;
    }
  }

  return {
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    async invoke(name, input) {
      const definition = options.definitions.find((d) => d.name === name);
      if (!definition || definition.kind === 'http')
        throw new Error(`no non-HTTP function named ${name}`);
      await invoke(definition, input);
    },
    async stop() {
      abort.abort();
      await close(server);
      await Promise.allSettled(listeners);
    },
  };
}

function readQueueSettings(hostJson: HostJson | undefined): QueueSettings {
  const queues = hostJson?.extensions?.queues ?? {};
  return {
    batchSize: queues.batchSize ?? 16,
    maxDequeueCount: queues.maxDequeueCount ?? 5,
    visibilityTimeoutSeconds: timeSpanSeconds(queues.visibilityTimeout, 0),
    maxPollingIntervalMs: timeSpanSeconds(queues.maxPollingInterval, 60) * 1000,
  };
}

/** `hh:mm:ss` as host.json writes durations. */
function timeSpanSeconds(value: string | undefined, fallback: number): number {
  const match = /^(\d+):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(value ?? '');
  if (!match) return fallback;
  return Number(match[1]) * 3600 + Number(match[2]) * 60 + Number(match[3]);
}

function allowedCors(
  origin: string | undefined,
  allowed: readonly string[],
): Record<string, string> | undefined {
  if (!origin || !(allowed.includes('*') || allowed.includes(origin))) return undefined;
  return {
    'access-control-allow-origin': origin,
    'access-control-allow-credentials': 'true',
    vary: 'Origin',
  };
}

function header(request: http.IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function flattenHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
