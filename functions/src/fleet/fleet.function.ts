import type { InvocationContext } from '@azure/functions';
import { AppError } from '../host/appError';
import { deviceIdRule, isValidDeviceId } from '../host/deviceId';
import { isPermanent } from '../host/failureKind';
import type {
  HttpFunctionDefinition,
  StorageQueueFunctionDefinition,
  TimerFunctionDefinition,
} from '../host/functionDefinition';
import { queryInteger, readJsonBody, routeDeviceId } from '../host/http';
import { ownerKey } from '../identity/caller';
import { telemetryHub } from '../realtime/hubs';
import type { RealtimeDelivery } from '../realtime/realtimeDelivery';
import { broadcastInChunks } from '../realtime/signalRMessage';
import { queueNames, settingNames } from '../settings/settingNames';
import type { DeadLetterStore } from '../storage/deadLetterStore';
import type { HistoryPoint } from '../telemetry/deviceState';
import type { DeviceStateStore } from '../telemetry/deviceStateStore';
import type { AlarmTransition } from './alarmConditions';
import { parseAlarmRule, parseTags, ruleIdPattern } from './alarmRule';
import type { AlarmRuleStore } from './alarmRuleStore';
import type { AlarmStore } from './alarmStore';
import { type AlarmWebhookPayload, webhookPayload } from './alarmWebhook';
import {
  bucketCsvRow,
  csvMetricColumns,
  historyBuckets,
  maxJsonBuckets,
  parseHistoryRange,
} from './deviceHistory';
import type { DeviceTagStore } from './deviceTagStore';
import { offlineTransitions } from './offlineAlarms';
import type { HistoryBucket, HistoryInterval } from './rollups';

/** The stage's alarm webhook: changes queued by who makes them, POSTed by `alarmWebhook`. */
export interface AlarmWebhook {
  enqueue(payloads: readonly AlarmWebhookPayload[]): Promise<void>;
  deliver(payload: AlarmWebhookPayload): Promise<void>;
}

export interface FleetDeps {
  readonly rules: AlarmRuleStore;
  readonly alarms: AlarmStore;
  readonly tags: DeviceTagStore;
  readonly deviceStates: Pick<DeviceStateStore, 'list' | 'get' | 'finishedHours'>;
  readonly realtime: RealtimeDelivery;
  readonly historyRetentionDays: number;
  readonly webhook?: AlarmWebhook;
  readonly deadLetters: Pick<DeadLetterStore, 'save'>;
  readonly now?: () => number;
}

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

/** Alarm rules, alarms and their acknowledgement, device tags, history and its CSV export. */
export function createFleetFunctions(
  deps: FleetDeps,
): (HttpFunctionDefinition | TimerFunctionDefinition | StorageQueueFunctionDefinition)[] {
  const now = deps.now ?? Date.now;
  return [
    {
      kind: 'http',
      name: 'putAlarmRule',
      route: 'alarm-rules/{ruleId}',
      methods: ['PUT'],
      access: { kind: 'roles', anyOf: ['Fleet.Operate'] },
      maxBodyBytes: 4096,
      handler: async (request) => {
        const parsed = parseAlarmRule(request.params.ruleId ?? '', await readJsonBody(request));
        if (!parsed.ok) throw new AppError('validation_failed', parsed.problems.join('; '));
        await deps.rules.put(parsed.value);
        return { status: 200, jsonBody: parsed.value };
      },
    },
    {
      kind: 'http',
      name: 'listAlarmRules',
      route: 'alarm-rules',
      methods: ['GET'],
      access: { kind: 'roles', anyOf: ['Fleet.Read'] },
      handler: async () => ({ jsonBody: await deps.rules.list() }),
    },
    {
      kind: 'http',
      name: 'deleteAlarmRule',
      route: 'alarm-rules/{ruleId}',
      methods: ['DELETE'],
      access: { kind: 'roles', anyOf: ['Fleet.Operate'] },
      handler: async (request) => {
        const ruleId = request.params.ruleId ?? '';
        if (!ruleIdPattern.test(ruleId) || !(await deps.rules.delete(ruleId)))
          throw new AppError('not_found', `no alarm rule "${ruleId}"`);
        return { status: 204 };
      },
    },
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
      kind: 'http',
      name: 'putDeviceTags',
      route: 'devices/{id}/tags',
      methods: ['PUT'],
      access: { kind: 'roles', anyOf: ['Fleet.Operate'] },
      maxBodyBytes: 4096,
      handler: async (request) => {
        const deviceId = routeDeviceId(request);
        const parsed = parseTags(await readJsonBody(request));
        if (!parsed.ok) throw new AppError('validation_failed', parsed.problems.join('; '));
        await deps.tags.put(deviceId, parsed.value);
        return { jsonBody: { deviceId, tags: parsed.value } };
      },
    },
    {
      kind: 'http',
      name: 'getDeviceHistory',
      route: 'devices/{id}/history',
      methods: ['GET'],
      access: { kind: 'roles', anyOf: ['Fleet.Read'] },
      handler: async (request) => {
        const deviceId = routeDeviceId(request);
        const range = parseHistoryRange(request.query, deps.historyRetentionDays, now());
        const base = {
          deviceId,
          from: new Date(range.from).toISOString(),
          to: new Date(range.to).toISOString(),
          interval: range.interval,
        };
        if (range.interval === 'raw')
          return { jsonBody: { ...base, points: await rawPoints(deps, deviceId, range, now()) } };
        const buckets: HistoryBucket[] = [];
        for await (const bucket of historyBuckets(deps.deviceStates, deviceId, {
          ...range,
          interval: range.interval,
        })) {
          buckets.push(bucket);
          if (buckets.length > maxJsonBuckets)
            throw new AppError(
              'validation_failed',
              `more than ${maxJsonBuckets} buckets: choose a coarser interval or a shorter range, or use history.csv`,
            );
        }
        return { jsonBody: { ...base, buckets } };
      },
    },
    {
      kind: 'http',
      name: 'exportDeviceHistory',
      route: 'devices/{id}/history.csv',
      methods: ['GET'],
      access: { kind: 'roles', anyOf: ['Fleet.Read'] },
      handler: async (request) => {
        const deviceId = routeDeviceId(request);
        const range = parseHistoryRange(request.query, deps.historyRetentionDays, now());
        const lines =
          range.interval === 'raw'
            ? rawCsv(await rawPoints(deps, deviceId, range, now()))
            : bucketCsv(
                historyBuckets(deps.deviceStates, deviceId, {
                  ...range,
                  interval: range.interval as HistoryInterval,
                }),
              );
        const encoder = new TextEncoder();
        const iterator = lines[Symbol.asyncIterator]();
        // Pulled a line at a time: a long range is never held whole.
        const body = new ReadableStream<Uint8Array>({
          async pull(controller) {
            const next = await iterator.next();
            if (next.done) controller.close();
            else controller.enqueue(encoder.encode(`${next.value}\n`));
          },
        });
        return {
          status: 200,
          headers: {
            'content-type': 'text/csv; charset=utf-8',
            'content-disposition': `attachment; filename="${encodeURIComponent(deviceId)}-history-${range.interval}.csv"`,
          },
          body,
        };
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

/** The readings the device's state still holds from the last hour, within the range. */
async function rawPoints(
  deps: FleetDeps,
  deviceId: string,
  range: { from: number; to: number },
  now: number,
) {
  const state = await deps.deviceStates.get(deviceId);
  const from = Math.max(range.from, now - 3_600_000);
  return (state?.history ?? []).filter((point) => {
    const t = Date.parse(point.t);
    return t >= from && t < range.to;
  });
}

async function* bucketCsv(buckets: AsyncIterable<HistoryBucket>): AsyncGenerator<string> {
  yield ['bucket_start', ...csvMetricColumns].join(',');
  for await (const bucket of buckets) yield bucketCsvRow(bucket);
}

async function* rawCsv(points: readonly HistoryPoint[]): AsyncGenerator<string> {
  yield 'time,seq,temperature,humidity,pressure,light';
  for (const p of points)
    yield [p.t, p.seq, p.temperature ?? '', p.humidity ?? '', p.pressure ?? '', p.light ?? ''].join(
      ',',
    );
}
