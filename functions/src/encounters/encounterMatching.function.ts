import { randomUUID } from 'node:crypto';
import { isPermanent } from '../host/failureKind';
import type {
  StorageQueueFunctionDefinition,
  TimerFunctionDefinition,
} from '../host/functionDefinition';
import { telemetryHub, userHub } from '../realtime/hubs';
import { queueNames, settingNames } from '../settings/settingNames';
import type { EncounterAccess, EncountersDeps } from './encounterAccess';
import { dashboardPush, userPush } from './encounterResponses';
import { readEncounterJob } from './encounterScheduler';

/** The once-a-minute scheduler and the queue-triggered matcher that sends the SMS and pushes. */
export function createEncounterMatchingFunctions(
  access: EncounterAccess,
  deps: EncountersDeps,
): (TimerFunctionDefinition | StorageQueueFunctionDefinition)[] {
  const { feature, unavailable } = access;
  const { encounters, realtime, problems } = deps;
  let warnedUnconfigured = false;
  return [
    {
      kind: 'timer',
      name: 'encounterScheduler',
      schedule: '0 */1 * * * *',
      handler: async (_timer, context) => {
        if (!encounters) {
          // Bad settings are an error on every run; an unset feature is said once.
          if (problems) context.error(unavailable);
          else if (!warnedUnconfigured) context.warn(`encounters are off: ${unavailable}`);
          warnedUnconfigured = true;
          return;
        }
        const run = await (await encounters()).scheduler.run(
          new Date(),
          context.invocationId || randomUUID(),
        );
        context.log(
          `queued ${run.queued} users for window ${run.window}${run.failed ? `; ${run.failed} could not be queued and were released for the next run` : ''}`,
        );
      },
    },
    {
      kind: 'storageQueue',
      name: 'encounterMatcher',
      queueName: queueNames.encounters,
      connection: settingNames.dataStorage,
      handler: async (message, context) => {
        const dequeueCount = Number(context.triggerMetadata?.dequeueCount ?? 1);
        try {
          const job = readEncounterJob(message);
          const outcome = await (await feature()).matcher.match(job, new Date(), (line) =>
            context.warn(line),
          );
          if (outcome.kind === 'skipped') {
            context.log(`${job.username}: ${outcome.reason}`);
            return;
          }
          if (outcome.pushDue) {
            // Best effort, like every realtime send: the SMS and the history are what count.
            const warn = (line: string) => context.warn(line);
            await realtime.send(userHub, [userPush(outcome.notification)], warn);
            await realtime.send(telemetryHub, [dashboardPush(outcome.notification)], warn);
          }
          context.log(
            `${job.username}: ${outcome.repeat ? 'already notified for this window; nothing sent again' : `matched ${outcome.notification.matches.length}, SMS ${outcome.notification.sms}`}`,
          );
        } catch (error) {
          const reason = error instanceof Error ? error.message : String(error);
          if (isPermanent(error)) {
            // Retrying cannot help (the message itself is wrong): set it aside at once.
            const messageId = String(context.triggerMetadata?.id ?? 'unknown');
            await deps.deadLetters.save({
              function: 'encounterMatcher',
              reason,
              source: { queueMessageId: messageId },
              body: typeof message === 'string' ? message : JSON.stringify(message),
              bodyEncoding: 'text',
            });
            context.warn(`dead-lettered encounter message ${messageId}: ${reason}`);
            return;
          }
          // The host retries with the queue's visibility timeout, then moves the message to
          // encounters-poison after host.json's maxDequeueCount; this line says why.
          context.error(
            `encounter message failed (dequeue count ${dequeueCount}); it is retried, then moved to ${queueNames.encounters}-poison: ${error instanceof Error ? error.message : String(error)}`,
          );
          throw error;
        }
      },
    },
  ];
}
