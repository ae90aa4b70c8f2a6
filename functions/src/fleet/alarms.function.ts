import type { InvocationContext } from '@azure/functions';
import { AppError } from '../host/appError';
import { deviceIdRule, isValidDeviceId } from '../host/deviceId';
import { isPermanent } from '../host/failureKind';
import type {
  HttpFunctionDefinition,
  StorageQueueFunctionDefinition,
  TimerFunctionDefinition,
} from '../host/functionDefinition';
import { queryInteger } from '../host/http';
import { ownerKey } from '../identity/caller';
import { telemetryHub } from '../realtime/hubs';
import type { RealtimeDelivery } from '../realtime/realtimeDelivery';
import { broadcastInChunks } from '../realtime/signalRMessage';
import { queueNames, settingNames } from '../settings/settingNames';
import type { AlarmTransition } from './alarmConditions';
import { type AlarmWebhookPayload, webhookPayload } from './alarmWebhook';
import type { AlarmWebhook, FleetDeps } from './fleetDeps';
import { offlineTransitions } from './offlineAlarms';

/**
 * Alarm changes as dashboards receive them: `alarm` messages on the operators' hub, each carrying
 * the batch's changes as an array (one send per batch, as `deviceState` does, not one per alarm).
 */
function alarmMessages(transitions: readonly AlarmTransition[]) {
  return broadcastInChunks(
    'alarm',
    transitions.map(({ alarmId, ruleId, deviceId, state, value, at, severity }) => ({
      alarmId,
      ruleId,
      deviceId,
      state,
      value,
      at,
      severity,
    })),
  );
}

/**
 * Tells operators of alarm changes: dashboards (best effort, like every realtime send) and the
 * stage's webhook, through its queue. A change that cannot be queued is logged and not retried
 * here: the alarm itself is stored (GET /api/alarms), and retrying the batch would not make it again.
 */
export async function announceAlarms(
  transitions: readonly AlarmTransition[],
  deps: { readonly realtime: RealtimeDelivery; readonly webhook?: AlarmWebhook | undefined },
  context: InvocationContext,
): Promise<void> {
  if (transitions.length === 0) return;
  await Promise.all([
    deps.realtime.send(telemetryHub, alarmMessages(transitions), (line) => context.warn(line)),
    deps.webhook
      ?.enqueue(transitions.map(webhookPayload))
      .catch((error: unknown) =>
        context.error(
          `${transitions.length} alarm changes were not queued for the webhook (they are stored; see GET /api/alarms): ${String(error)}`,
        ),
      ),
  ]);
}

/** Alarms: listing and acknowledging them, offline alarms each minute, and the stage's webhook. */
export function createAlarmsFunctions(
  deps: FleetDeps,
): (HttpFunctionDefinition | TimerFunctionDefinition | StorageQueueFunctionDefinition)[] {
  const now = deps.now ?? Date.now;
  return [
    {
      kind: 'http',
      name: 'listAlarms',
      route: 'alarms',
      methods: ['GET'],
      access: { kind: 'roles', anyOf: ['Fleet.Read'] },
      handler: async (request) => {
        const state = request.query.get('state') ?? 'active';
        if (state !== 'active' && state !== 'all')
          throw new AppError('validation_failed', 'state is active or all');
        const deviceId = request.query.get('deviceId') ?? undefined;
        if (deviceId !== undefined && !isValidDeviceId(deviceId))
          throw new AppError('validation_failed', deviceIdRule);
        const limit = queryInteger(request, 'limit', { min: 1, max: 1000, fallback: 100 });
        return {
          jsonBody: await deps.alarms.list({ state, limit, ...(deviceId ? { deviceId } : {}) }),
        };
      },
    },
    {
      kind: 'http',
      name: 'acknowledgeAlarm',
      route: 'alarms/{alarmId}/ack',
      methods: ['POST'],
      access: { kind: 'roles', anyOf: ['Fleet.Operate'] },
      handler: async (request, context, caller) => {
        const who = caller as NonNullable<typeof caller>;
        const { alarm, changed } = await deps.alarms.acknowledge(request.params.alarmId ?? '', {
          name: who.name ?? who.subject,
          subject: ownerKey(who),
        });
        if (changed)
          await announceAlarms(
            [
              {
                ...alarm,
                state: 'acknowledged',
                value: alarm.raisedValue,
                at: alarm.acknowledgedAt ?? new Date(now()).toISOString(),
              },
            ],
            deps,
            context,
          );
        return { jsonBody: alarm };
      },
    },
    {
      kind: 'timer',
      name: 'offlineAlarms',
      // Every minute, at second 30: away from the other minute timers.
      schedule: '30 * * * * *',
      handler: async (_timer, context) => {
        const [rules, devices, tags, active] = await Promise.all([
          deps.rules.list(),
          deps.deviceStates.list(),
          deps.tags.all(),
          deps.alarms.activeOffline(),
        ]);
        const transitions = offlineTransitions({ rules, devices, tags, active, now: now() });
        if (transitions.length === 0) return;
        await deps.alarms.saveOffline(transitions);
        context.log(
          `offline alarms: ${transitions.map((t) => `${t.deviceId} ${t.state}`).join(', ')}`,
        );
        await announceAlarms(transitions, deps, context);
      },
    },
    {
      kind: 'storageQueue',
      name: 'alarmWebhook',
      queueName: queueNames.alarmWebhook,
      connection: settingNames.dataStorage,
      handler: async (message, context) => {
        if (!deps.webhook) {
          context.warn(`no ${settingNames.alarmWebhookUrl} is set any more: alarm change dropped`);
          return;
        }
        try {
          await deps.webhook.deliver(message as AlarmWebhookPayload);
        } catch (error) {
          const reason = error instanceof Error ? error.message : String(error);
          if (!isPermanent(error)) {
            // The host retries with the queue's visibility timeout, then moves the message to
            // alarmwebhook-poison after host.json's maxDequeueCount.
            context.error(`alarm webhook call failed; it is retried: ${reason}`);
            throw error;
          }
          const messageId = String(context.triggerMetadata?.id ?? 'unknown');
          await deps.deadLetters.save({
            function: 'alarmWebhook',
            reason,
            source: { queueMessageId: messageId },
            body: JSON.stringify(message),
            bodyEncoding: 'text',
          });
          context.warn(`dead-lettered alarm webhook call ${messageId}: ${reason}`);
        }
      },
    },
  ];
}
