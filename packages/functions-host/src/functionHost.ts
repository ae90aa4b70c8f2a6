import { setMaxListeners } from 'node:events';
import http from 'node:http';
import { BodyTooLargeError, close, listen, sendJson } from '@fieldline/emulator-kit';
import type {
  Authenticate,
  FunctionDefinition,
  HttpFunctionDefinition,
} from '@fieldline/functions/hosting';
import { handleAdminRequest } from './http/adminApi';
import type { FunctionKeys } from './http/functionKeys';
import { createHttpRouting } from './http/httpRouting';
import { handleSignalRWebhook } from './http/signalRWebhook';
import { createBindingRuntime } from './invocation/bindingRuntime';
import { createInvoker, describeError } from './invocation/invocation';
import { resolveSettingExpression } from './invocation/settingExpression';
import type { PartitionedEventSource } from './triggers/partitionedEventSource';
import {
  listenToEventHub,
  listenToQueue,
  type QueueSettings,
  runOnSchedule,
} from './triggers/triggerListeners';

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
  readonly eventHubs?: (
    connection: string,
    eventHubName: string,
  ) => PartitionedEventSource | undefined;
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
 * HTTP goes to the admin API or the routes (`adminApi.ts`, `httpRouting.ts`); every invocation,
 * whatever its trigger, goes through `invocation.ts`.
 */
export async function startFunctionHost(
  options: FunctionHostOptions,
): Promise<RunningFunctionHost> {
  const log = options.log ?? ((line: string) => console.log(line));
  const bindings = createBindingRuntime({ settings: options.settings });
  const abort = new AbortController();
  // Every trigger listener (one per partition and consumer group, each queue and timer) waits on it.
  setMaxListeners(100, abort.signal);
  const { run, invokeNow, reason } = createInvoker({
    definitions: options.definitions,
    ...(options.authenticate ? { authenticate: options.authenticate } : {}),
    bindings,
    settings: options.settings,
    log,
  });
  const routing = createHttpRouting({
    definitions: options.definitions.filter((d): d is HttpFunctionDefinition => d.kind === 'http'),
    routePrefix: (options.hostJson?.extensions?.http?.routePrefix ?? 'api').replace(/^\/|\/$/g, ''),
    corsOrigins: options.corsOrigins ?? [],
    maxBodyBytes: maxRequestBytes,
    run,
    reason,
  });

  const server = http.createServer((request, response) => {
    handleHttp(request, response).catch((error: unknown) => {
      if (error instanceof BodyTooLargeError) {
        return sendJson(response, 413, {
          error: { code: 'payload_too_large', message: error.message },
        });
      }
      log(`host error: ${describeError(error)}`);
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
    if (routing.preflight(request, response)) return;
    const admin = await handleAdminRequest(request, response, url, {
      definitions: options.definitions,
      keys: options.keys,
      maxBodyBytes: maxRequestBytes,
      invokeNow,
    });
    if (admin) return;
    const webhook = await handleSignalRWebhook(request, response, url, {
      definitions: options.definitions,
      keys: options.keys,
      settings: options.settings,
      maxBodyBytes: maxRequestBytes,
      run,
    });
    if (!webhook) await routing.route(request, response, url);
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
            log(`${definition.name}: queue listener stopped: ${describeError(error)}`),
          ),
        );
        break;
      case 'timer':
        listeners.push(runOnSchedule(definition, { run, signal: abort.signal }));
        break;
      case 'http':
      case 'signalR': // called through /runtime/webhooks/signalr
        break;
    }
  }

  return {
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    async invoke(name, input) {
      const definition = options.definitions.find((d) => d.name === name);
      if (!definition || definition.kind === 'http' || definition.kind === 'signalR')
        throw new Error(`no function named ${name} that the admin API can run`);
      await invokeNow(definition, input);
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
