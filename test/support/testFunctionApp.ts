import { HttpRequest, type HttpResponseInit } from '@azure/functions';
import {
  createInvocationContext,
  type HubEvent,
  queueTriggerMetadata,
  toEventHubInvocation,
} from '@fieldline/functions-host';
import { createFunctionDefinitions } from '../../functions/src/functionDefinitions';
import type {
  EventHubFunctionDefinition,
  FunctionDefinition,
  HttpFunctionDefinition,
} from '../../functions/src/host/functionDefinition';
import { guardHttp } from '../../functions/src/host/httpGuard';
import { appRoleNames } from '../../functions/src/identity/appRoles';
import type { Caller } from '../../functions/src/identity/caller';
import { unauthorized } from '../../functions/src/identity/tokenVerifier';
import type { RealtimeDelivery } from '../../functions/src/realtime/realtimeDelivery';
import type { SignalRMessage } from '../../functions/src/realtime/signalRMessage';
import { createServices, type ServiceOptions } from '../../functions/src/services';
import { loadConfig } from '../../functions/src/settings/config';

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
      /**
       * Who calls, as a validated token would say (the guard runs; token validation itself is
       * tested through the local host). Every app role by default; `null` sends no token.
       */
      caller?: Caller | null;
      /** Extra headers; a string body is sent as is, with these headers. */
      headers?: Record<string, string>;
      /** The request URL; `http://localhost:7071/api/<path>` by default. */
      url?: string;
    },
  ): Promise<{
    status: number;
    body: unknown;
    text?: string;
    headers?: Headers;
  }>;
  /**
   * Delivers one queue message to a queue-triggered function, as the host does on attempt
   * `dequeueCount`; returns the SignalR messages it sent, in order.
   */
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
  // What the functions send to SignalR, in order; each call returns its own messages.
  const sent: SignalRMessage[] = [];
  const realtime: RealtimeDelivery = {
    configured: true,
    send: async (_hub, messages) => {
      sent.push(...messages);
      return true;
    },
    check: async () => undefined,
    setGroupMembership: async () => undefined,
  };
  const services = createServices(config, {
    realtime,
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
      const before = sent.length;
      await definition.handler(messages, context(definition, triggerMetadata));
      return sent.slice(before);
    },
    async http(
      name,
      { method = 'GET', path, params = {}, body, caller = testOperator, headers, url },
    ) {
      const definition: HttpFunctionDefinition = find(name, 'http');
      const authenticate = async (authorization: string | null) => {
        if (!authorization || !caller) throw unauthorized('send a bearer token', false);
        return caller;
      };
      const request = new HttpRequest({
        method,
        url: url ?? `http://localhost:7071/api/${path}`,
        params,
        ...(body === undefined
          ? {}
          : { body: { string: typeof body === 'string' ? body : JSON.stringify(body) } }),
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(caller ? { authorization: 'Bearer test' } : {}),
          ...headers,
        },
      });
      const invocation = context(definition);
      const response: HttpResponseInit = await guardHttp(definition, authenticate)(
        request,
        invocation,
      );
      const text =
        typeof response.body === 'string'
          ? response.body
          : response.body instanceof ReadableStream
            ? await new Response(response.body).text()
            : undefined;
      return {
        status: response.status ?? 200,
        body: response.jsonBody,
        ...(text === undefined ? {} : { text }),
        // Only for streamed bodies (the CSV export), so other answers compare as before.
        ...(response.body instanceof ReadableStream
          ? { headers: new Headers(response.headers as ConstructorParameters<typeof Headers>[0]) }
          : {}),
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
      const before = sent.length;
      await definition.handler(message, invocation);
      return sent.slice(before);
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

/** A caller holding every app role, as the test app's HTTP calls are made by default. */
export const testOperator: Caller = {
  issuer: 'https://issuer.test',
  subject: 'operator',
  roles: new Set(appRoleNames),
};

/** An app user's caller, with no roles. */
export function testUser(subject: string): Caller {
  return { issuer: 'https://issuer.test', subject, roles: new Set() };
}

let sequence = 0;
// Events are timed from an hour before the test run, a second apart, in the order they are made:
// recent enough for every "latest" listing, and still in a known order.
const firstEventMs = Date.now() - 3_600_000;

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
    enqueuedTime: new Date(firstEventMs + sequence * 1000),
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
