import { randomUUID } from 'node:crypto';
import type {
  Authenticate,
  FunctionDefinition,
  HttpFunctionDefinition,
  SignalRFunctionDefinition,
} from '@fieldline/functions/hosting';
import { guardHttp, signalRTriggerHandler } from '@fieldline/functions/hosting';
import { type HubEvent, toEventHubInvocation } from '../triggers/eventHubInvocation';
import type { RunFunction } from '../triggers/triggerListeners';
import type { BindingRuntime } from './bindingRuntime';
import { createInvocationContext } from './functionInvocation';
import { resolveSettingExpression } from './settingExpression';

export type NonHttpFunction = Exclude<
  FunctionDefinition,
  HttpFunctionDefinition | SignalRFunctionDefinition
>;

const byHostApi = 'This function was programmatically called via the host APIs.';

/**
 * Runs one invocation the way the Functions host does: an invocation context, the same HTTP wrapper
 * the Azure registration uses (declared access, body limit, JSON errors), output bindings after the
 * handler, and the host's `Executing`/`Executed` log lines.
 */
export function createInvoker(options: {
  readonly definitions: readonly FunctionDefinition[];
  readonly authenticate?: Authenticate;
  readonly bindings: BindingRuntime;
  readonly settings: Record<string, string | undefined>;
  readonly log: (line: string) => void;
}) {
  const { log, bindings } = options;
  const guarded = new Map(
    options.definitions.flatMap((definition) =>
      definition.kind === 'http'
        ? [[definition.name, guardHttp(definition, options.authenticate)] as const]
        : [],
    ),
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
      const handler = (
        found.kind === 'http'
          ? guarded.get(found.name)
          : found.kind === 'signalR'
            ? signalRTriggerHandler(found)
            : found.handler
      ) as (input: unknown, context: unknown) => Promise<unknown>;
      const result = await handler(input, context);
      await bindings.deliverOutputs(found, context);
      log(
        `Executed '${found.name}' (Succeeded, Id=${id}, Duration=${Math.round(performance.now() - started)}ms)`,
      );
      return result;
    } catch (error) {
      log(
        `Executed '${found.name}' (Failed, Id=${id}, Duration=${Math.round(performance.now() - started)}ms): ${describeError(error)}`,
      );
      throw error;
    }
  };

  /** Runs a non-HTTP function now with `input` as its trigger data, as the admin API does. */
  async function invokeNow(definition: NonHttpFunction, input: string): Promise<void> {
    switch (definition.kind) {
      case 'timer':
        await run(
          definition,
          { isPastDue: false, schedule: { adjustForDST: true }, scheduleStatus: undefined },
          { reason: byHostApi },
        );
        return;
      case 'storageQueue':
        await run(definition, input === '' ? '' : jsonOrText(input), {
          reason: byHostApi,
          triggerMetadata: {
            id: randomUUID(),
            dequeueCount: 1,
            insertionTime: new Date().toISOString(),
          },
        });
        return;
      case 'eventHub': {
        const event: HubEvent = {
          body: jsonOrText(input),
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
        await run(definition, messages, { reason: byHostApi, triggerMetadata });
        return;
      }
      default: {
        const unhandled: never = definition;
        throw new Error(`cannot invoke ${JSON.stringify(unhandled)}`);
      }
    }
  }

  return { run, invokeNow, reason: byHostApi };
}

export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function jsonOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
