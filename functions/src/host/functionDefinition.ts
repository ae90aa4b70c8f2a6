import type {
  FunctionInput,
  FunctionOutput,
  HttpMethod,
  HttpRequest,
  HttpResponseInit,
  InvocationContext,
  RetryOptions,
  Timer,
} from '@azure/functions';
import type { Access } from '../identity/access';
import type { Caller } from '../identity/caller';

/** An HTTP handler behind `guardHttp`: it also receives the validated caller, for token-checked access. */
export type GuardedHandler = (
  request: HttpRequest,
  context: InvocationContext,
  caller: Caller | undefined,
) => Promise<HttpResponseInit>;

interface DefinitionBase {
  /** Function name, unique in the app; also the name the admin API and logs use. */
  readonly name: string;
  readonly extraInputs?: readonly FunctionInput[];
  /** Outputs the handler sets through `context.extraOutputs`; hosts deliver them after it returns. */
  readonly extraOutputs?: readonly FunctionOutput[];
}

export interface HttpFunctionDefinition extends DefinitionBase {
  readonly kind: 'http';
  /** Route under `/api/`, with `{param}` segments. */
  readonly route: string;
  readonly methods: readonly HttpMethod[];
  /** Who may call it; `guardHttp` enforces this in both hosts. */
  readonly access: Access;
  /** The most body it reads (default 16 KiB); more is refused with 413 before auth and parsing. */
  readonly maxBodyBytes?: number;
  readonly handler: GuardedHandler;
}

export interface EventHubFunctionDefinition extends DefinitionBase {
  readonly kind: 'eventHub';
  /** App-setting name (or `<name>__*` prefix) holding the Event Hubs connection. */
  readonly connection: string;
  /** Event hub name, usually a `%SETTING%` expression. */
  readonly eventHubName: string;
  readonly consumerGroup: string;
  readonly cardinality: 'many';
  readonly retry?: RetryOptions;
  readonly handler: (messages: unknown[], context: InvocationContext) => Promise<void>;
}

export interface TimerFunctionDefinition extends DefinitionBase {
  readonly kind: 'timer';
  /** A six-field NCRONTAB expression: second minute hour day month day-of-week. */
  readonly schedule: string;
  readonly runOnStartup?: boolean;
  readonly retry?: RetryOptions;
  readonly handler: (timer: Timer, context: InvocationContext) => Promise<void>;
}

export interface StorageQueueFunctionDefinition extends DefinitionBase {
  readonly kind: 'storageQueue';
  /** Queue name, or a `%SETTING%` expression. */
  readonly queueName: string;
  /** App-setting name (or `<name>__*` prefix) holding the storage connection. */
  readonly connection: string;
  readonly handler: (message: unknown, context: InvocationContext) => Promise<void>;
}

/**
 * What a SignalR trigger receives: the upstream request, as the Functions SignalR extension hands
 * it to a worker (its InvocationContext), normalised by `readSignalRInvocation`.
 * https://learn.microsoft.com/azure/azure-functions/functions-bindings-signalr-service-trigger#invocationcontext
 */
export interface SignalRInvocation {
  readonly hub: string;
  readonly category: 'connections' | 'messages';
  readonly event: string;
  readonly connectionId: string;
  /** The user id the client's access token names (set by negotiate from the validated caller). */
  readonly userId: string | undefined;
  /** The client's hub invocation id; absent for a `send` (no result expected) and connection events. */
  readonly invocationId: string | undefined;
  readonly arguments: readonly unknown[];
  /** For `disconnected`: why the connection closed, empty when it closed cleanly. */
  readonly error: string | undefined;
}

export interface SignalRFunctionDefinition extends DefinitionBase {
  readonly kind: 'signalR';
  readonly hubName: string;
  readonly category: 'connections' | 'messages';
  /** `connected`/`disconnected` for connections; the hub method's name for messages. */
  readonly event: string;
  /** App-setting name (or `<name>__*` prefix) of the SignalR connection; it also holds the key signatures are checked with. */
  readonly connectionStringSetting: string;
  /** Its return value completes the client's invocation; a throw completes it with an error. */
  readonly handler: (invocation: SignalRInvocation, context: InvocationContext) => Promise<unknown>;
}

/**
 * One function, declared once. `index.ts` registers it with `@azure/functions`; the local host
 * drives the same handler with the same trigger shapes.
 */
export type FunctionDefinition =
  | HttpFunctionDefinition
  | EventHubFunctionDefinition
  | TimerFunctionDefinition
  | StorageQueueFunctionDefinition
  | SignalRFunctionDefinition;
