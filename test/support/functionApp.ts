import { HttpRequest, type HttpResponseInit } from '@azure/functions';
import { createFunctionDefinitions } from '../../functions/src/functionDefinitions';
import { loadConfig } from '../../functions/src/platform/config';
import type {
  EventHubFunctionDefinition,
  FunctionDefinition,
  HttpFunctionDefinition,
} from '../../functions/src/platform/functionDefinition';
import { telemetryMessages } from '../../functions/src/realtime/signalRBindings';
import type { SignalRMessage } from '../../functions/src/realtime/signalRMessage';
import { createServices, type ServiceOptions } from '../../functions/src/services';
import { type HubEvent, toEventHubInvocation } from '../../local/eventHubBatch';
import { createInvocationContext } from '../../local/functionInvocation';
import { queueTriggerMetadata } from '../../local/host/triggerListeners';

export interface TestFunctionApp {
  readonly definitions: FunctionDefinition[];
  /** Runs `ingestTelemetry` on one partition's batch, the way the Functions host calls it. */
  ingest(events: readonly HubEvent[], partitionId?: string): Promise<SignalRMessage[]>;
  /** Calls an HTTP function by name with a request built like the host's. */
  http(
    name: string,
    request: {
      method?: string;
      path: string;
      params?: Record<string, string>;
      body?: unknown;
      /** Values the host supplies for input bindings, by binding name. */
      inputs?: Record<string, unknown>;
      /** Extra headers; a string body is sent as is, with these headers. */
      headers?: Record<string, string>;
      /** The request URL; `http://localhost:7071/api/<path>` by default. */
      url?: string;
    },
  ): Promise<{
    status: number;
    body: unknown;
    text?: string;
  }>;
  /** Delivers one queue message to a queue-triggered function, as the host does on attempt `dequeueCount`. */
  queue(name: string, message: unknown, dequeueCount?: number): Promise<SignalRMessage[]>;
  /** Fires a timer-triggered function once. */
  timer(name: string): Promise<void>;
  readonly logs: string[];
  /** Closes connections the services keep across invocations (MongoDB). */
  close(): Promise<void>;
}

/**
 * The function app as its definitions declare it, wired to a storage account. Tests talk to it
 * only through the handlers' public inputs: Event Hubs batches and HTTP requests.
 */
export function createTestFunctionApp(
  storageConnectionString: string,
  options: ServiceOptions & { env?: Record<string, string> } = {},
): TestFunctionApp {
  const config = loadConfig({ DataStorage: storageConnectionString, ...options.env });
  const services = createServices(config, {
    tables: {
      retryOptions: { maxRetries: 1, retryDelayInMs: 10, maxRetryDelayInMs: 20 },
      ...options.tables,
    },
  });
  const definitions = createFunctionDefinitions(services);
  const logs: string[] = [];
  const find = <K extends FunctionDefinition['kind']>(name: string, kind: K) => {
    const definition = definitions.find((d) => d.name === name);
    if (!definition || definition.kind !== kind)
      throw new Error(`no ${kind} function named ${name}`);
    return definition as Extract<FunctionDefinition, { kind: K }>;
  };
  const context = (definition: FunctionDefinition, triggerMetadata: Record<string, unknown> = {}) =>
    createInvocationContext(definition, { triggerMetadata, log: (line) => logs.push(line) });

  return {
    definitions,
    logs,
    close: () => services.close(),
    async ingest(events, partitionId = '0') {
      const definition: EventHubFunctionDefinition = find('ingestTelemetry', 'eventHub');
      const { messages, triggerMetadata } = toEventHubInvocation(events, {
        consumerGroup: definition.consumerGroup,
        eventHubName: 'fieldline-hub',
        fullyQualifiedNamespace: 'localhost',
        partitionId,
      });
      const invocation = context(definition, triggerMetadata);
      await definition.handler(messages, invocation);
      return (invocation.extraOutputs.get(telemetryMessages) as SignalRMessage[] | undefined) ?? [];
    },
    async http(name, { method = 'GET', path, params = {}, body, inputs = {}, headers, url }) {
      const definition: HttpFunctionDefinition = find(name, 'http');
      const request = new HttpRequest({
        method,
        url: url ?? `http://localhost:7071/api/${path}`,
        params,
        ...(body === undefined
          ? {}
          : { body: { string: typeof body === 'string' ? body : JSON.stringify(body) } }),
        headers: headers ?? (body === undefined ? {} : { 'content-type': 'application/json' }),
      });
      const invocation = context(definition);
      for (const binding of definition.extraInputs ?? []) {
        if (binding.name in inputs) invocation.extraInputs.set(binding, inputs[binding.name]);
      }
      const response: HttpResponseInit = await definition.handler(request, invocation);
      return {
        status: response.status ?? 200,
        body: response.jsonBody,
        ...(typeof response.body === 'string' ? { text: response.body } : {}),
      };
    },
    async queue(name, message, dequeueCount = 1) {
      const definition = find(name, 'storageQueue');
      const now = new Date();
      const invocation = context(
        definition,
        queueTriggerMetadata({
          messageId: crypto.randomUUID(),
          dequeueCount,
          insertedOn: now,
          expiresOn: new Date(now.getTime() + 7 * 86_400_000),
          nextVisibleOn: new Date(now.getTime() + 30_000),
          popReceipt: 'test',
          text: JSON.stringify(message),
        }),
      );
      await definition.handler(message, invocation);
      return (invocation.extraOutputs.get(telemetryMessages) as SignalRMessage[] | undefined) ?? [];
    },
    async timer(name) {
      const definition = find(name, 'timer');
      await definition.handler(
        { isPastDue: false, schedule: { adjustForDST: true }, scheduleStatus: {} } as never,
        context(definition),
      );
    },
  };
}

let sequence = 0;

/** A hub event from a device, as the IoT Hub built-in endpoint would deliver it. */
export function deviceEvent(
  deviceId: string | undefined,
  body: unknown,
  overrides: Partial<HubEvent> = {},
): HubEvent {
  sequence += 1;
  return {
    body,
    sequenceNumber: sequence,
    offset: String(sequence * 512),
    enqueuedTime: new Date(Date.UTC(2026, 10, 1, 12, 0, 0) + sequence * 1000),
    systemProperties: deviceId === undefined ? {} : { 'iothub-connection-device-id': deviceId },
    ...overrides,
  };
}

/** The items a function broadcast to `target` (the single argument of each such message), in order. */
export function broadcastItems<T>(messages: readonly SignalRMessage[], target: string): T[] {
  return messages
    .filter((message) => message.target === target)
    .flatMap((message) => message.arguments[0] as T[]);
}
