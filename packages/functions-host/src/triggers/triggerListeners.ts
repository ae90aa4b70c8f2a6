import type { Timer } from '@azure/functions';
import type {
  EventHubFunctionDefinition,
  StorageQueueFunctionDefinition,
  TimerFunctionDefinition,
} from '@fieldline/functions/hosting';
import type { BindingRuntime } from '../invocation/bindingRuntime';
import { resolveSettingExpression } from '../invocation/settingExpression';
import { type HubEvent, toEventHubInvocation } from './eventHubInvocation';
import { NcrontabSchedule } from './ncrontab';
import type { PartitionedEventSource } from './partitionedEventSource';
import { retryDelay } from './retryPolicy';

/** Runs one invocation of a definition: handler, then outputs. Throws when either fails. */
export type RunFunction = (
  definition: { name: string },
  input: unknown,
  options: {
    triggerMetadata?: Record<string, unknown>;
    reason: string;
    retry?: { retryCount: number; maxRetryCount: number };
  },
) => Promise<unknown>;

// Resolves early on abort; the listener is removed either way, since idle pollers sleep often.
const abortableSleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const wake = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', wake);
      resolve();
    };
    const timer = setTimeout(wake, ms);
    signal.addEventListener('abort', wake, { once: true });
  });

/** Event bodies as the Node.js worker hands them over: parsed JSON when they are JSON, else text. */
export function decodeEventBody(body: unknown): unknown {
  if (!(body instanceof Uint8Array)) return body;
  const text = Buffer.from(body).toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Event Hubs trigger semantics: each partition is read in order in batches of up to
 * `maxBatchSize`; after an invocation the consumer group's checkpoint moves past the batch, even
 * when the handler failed, unless the definition's retry policy re-runs it first.
 */
export function listenToEventHub(
  definition: EventHubFunctionDefinition,
  deps: {
    log: PartitionedEventSource;
    eventHubName: string;
    checkpoints: Map<string, number>;
    maxBatchSize: number;
    run: RunFunction;
    signal: AbortSignal;
  },
): Promise<void>[] {
  return Array.from({ length: deps.log.partitionCount }, async (_, partition) => {
    const key = `${definition.consumerGroup}/${partition}`;
    while (!deps.signal.aborted) {
      const after = deps.checkpoints.get(key) ?? -1;
      const events = deps.log.read(partition, after, deps.maxBatchSize);
      const last = events.at(-1);
      if (!last) {
        await deps.log.waitForEvents(partition, after, 1000, deps.signal);
        continue;
      }
      const decoded: HubEvent[] = events.map((event) => ({
        ...event,
        body: decodeEventBody(event.body),
      }));
      const { messages, triggerMetadata } = toEventHubInvocation(decoded, {
        consumerGroup: definition.consumerGroup,
        eventHubName: deps.eventHubName,
        fullyQualifiedNamespace: 'localhost',
        partitionId: String(partition),
      });
      for (let retryCount = 0; !deps.signal.aborted; retryCount++) {
        try {
          await deps.run(definition, messages, {
            triggerMetadata,
            reason: `New events on partition ${partition}`,
            ...(retryCount > 0 && definition.retry
              ? { retry: { retryCount, maxRetryCount: definition.retry.maxRetryCount } }
              : {}),
          });
          break;
        } catch {
          const delay = definition.retry ? retryDelay(definition.retry, retryCount + 1) : undefined;
          if (delay === undefined) break;
          await abortableSleep(delay, deps.signal);
        }
      }
      if (!deps.signal.aborted) deps.checkpoints.set(key, last.sequenceNumber);
    }
  });
}

export interface QueueSettings {
  readonly batchSize: number;
  readonly maxDequeueCount: number;
  /** How long a failed message stays invisible before its next attempt. */
  readonly visibilityTimeoutSeconds: number;
  readonly maxPollingIntervalMs: number;
}

/**
 * Storage queue trigger semantics: messages are leased in batches, deleted on success, made
 * visible again after `visibilityTimeout` on failure, and moved to `<queue>-poison` once they have
 * been dequeued `maxDequeueCount` times.
 */
export async function listenToQueue(
  definition: StorageQueueFunctionDefinition,
  deps: {
    bindings: BindingRuntime;
    settings: Record<string, string | undefined>;
    queue: QueueSettings;
    run: RunFunction;
    signal: AbortSignal;
    log: (line: string) => void;
  },
): Promise<void> {
  const queueName = resolveSettingExpression(definition.queueName, deps.settings);
  const queue = await deps.bindings.queueClient(definition.connection, queueName);
  const poison = await deps.bindings.queueClient(definition.connection, `${queueName}-poison`);
  let idleDelay = 100;
  while (!deps.signal.aborted) {
    let received: Awaited<ReturnType<typeof queue.receiveMessages>>['receivedMessageItems'];
    try {
      received = (
        await queue.receiveMessages({
          numberOfMessages: deps.queue.batchSize,
          visibilityTimeout: 600,
        })
      ).receivedMessageItems;
    } catch (error) {
      deps.log(`queue ${queueName} is unreachable, retrying: ${String(error)}`);
      await abortableSleep(deps.queue.maxPollingIntervalMs, deps.signal);
      continue;
    }
    if (received.length === 0) {
      await abortableSleep(idleDelay, deps.signal);
      idleDelay = Math.min(idleDelay * 2, deps.queue.maxPollingIntervalMs);
      continue;
    }
    idleDelay = 100;
    await Promise.all(
      received.map(async (message) => {
        const text = Buffer.from(message.messageText, 'base64').toString('utf8');
        try {
          await deps.run(definition, decodeEventBody(Buffer.from(text)), {
            reason: `New queue message detected on '${queueName}'`,
            triggerMetadata: queueTriggerMetadata({ ...message, text }),
          });
          await queue.deleteMessage(message.messageId, message.popReceipt);
        } catch {
          if (message.dequeueCount >= deps.queue.maxDequeueCount) {
            await poison.sendMessage(message.messageText);
            await queue.deleteMessage(message.messageId, message.popReceipt);
            deps.log(
              `message ${message.messageId} failed ${message.dequeueCount} times; moved to ${queueName}-poison`,
            );
          } else {
            await queue.updateMessage(
              message.messageId,
              message.popReceipt,
              undefined,
              deps.queue.visibilityTimeoutSeconds,
            );
          }
        }
      }),
    );
  }
}

/**
 * A queue message's trigger metadata as the Node.js worker hands it to a handler: the host's
 * QueueTrigger, DequeueCount, Id, ... with the first letter lower-cased.
 */
export function queueTriggerMetadata(message: {
  readonly messageId: string;
  readonly dequeueCount: number;
  readonly insertedOn: Date;
  readonly expiresOn: Date;
  readonly nextVisibleOn: Date;
  readonly popReceipt: string;
  /** The decoded message text. */
  readonly text: string;
}): Record<string, unknown> {
  return {
    // The worker parses metadata strings that hold JSON, so a JSON message arrives parsed here too.
    queueTrigger: decodeEventBody(Buffer.from(message.text)),
    id: message.messageId,
    dequeueCount: message.dequeueCount,
    insertionTime: message.insertedOn.toISOString(),
    expirationTime: message.expiresOn.toISOString(),
    nextVisibleTime: message.nextVisibleOn.toISOString(),
    popReceipt: message.popReceipt,
  };
}

/** Timer trigger semantics: one run at a time, `isPastDue` when a run starts late. */
export async function runOnSchedule(
  definition: TimerFunctionDefinition,
  deps: { run: RunFunction; signal: AbortSignal; now?: () => Date },
): Promise<void> {
  const now = deps.now ?? (() => new Date());
  const schedule = new NcrontabSchedule(definition.schedule);
  let last: Date | undefined;
  const fire = async (scheduled: Date) => {
    const started = now();
    const next = schedule.next(started);
    const timer: Timer = {
      isPastDue: started.getTime() - scheduled.getTime() > 1000,
      schedule: { adjustForDST: true },
      scheduleStatus: {
        last: (last ?? new Date(0)).toISOString(),
        next: next.toISOString(),
        lastUpdated: started.toISOString(),
      },
    };
    last = scheduled;
    await deps
      .run(definition, timer, { reason: `Timer fired at ${started.toISOString()}` })
      .catch(() => undefined);
  };
  if (definition.runOnStartup) await fire(now());
  while (!deps.signal.aborted) {
    const next = schedule.next(now());
    await abortableSleep(Math.max(0, next.getTime() - now().getTime()), deps.signal);
    if (!deps.signal.aborted) await fire(next);
  }
}
