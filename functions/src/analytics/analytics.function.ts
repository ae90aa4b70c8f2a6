import {
  type BatchMessage,
  hubDeadLetter,
  isDeviceMessage,
  readEventHubBatch,
} from '../host/eventHubBatch';
import type {
  EventHubFunctionDefinition,
  HttpFunctionDefinition,
} from '../host/functionDefinition';
import { queryInteger } from '../host/http';
import { iotHubBatchTrigger } from '../host/iotHubTrigger';
import { isolatePermanentFailures } from '../host/isolatePermanentFailures';
import { telemetryHub } from '../realtime/hubs';
import type { RealtimeDelivery } from '../realtime/realtimeDelivery';
import { broadcastInChunks } from '../realtime/signalRMessage';
import { consumerGroups } from '../settings/settingNames';
import type { DeadLetterStore } from '../storage/deadLetterStore';
import type { ProductAnalytics } from './productAnalytics';
import { isProductEventMessage } from './productEvent';

/**
 * `analyticsEvents`: product events from the hub (application property type=analytics), on their own
 * consumer group, counted per product and minute and broadcast as `analytics`. Like ingestTelemetry,
 * a storage failure re-runs the batch instead of skipping it, and a re-run counts nothing twice.
 */
export function createAnalyticsFunctions(deps: {
  readonly analytics: ProductAnalytics;
  readonly realtime: RealtimeDelivery;
  readonly deadLetters: DeadLetterStore;
}): [EventHubFunctionDefinition, HttpFunctionDefinition] {
  const { analytics } = deps;
  const name = 'analyticsEvents';
  return [
    {
      ...iotHubBatchTrigger(consumerGroups.analytics),
      name,
      handler: async (bodies, context) => {
        const batch = readEventHubBatch(bodies, context).filter(
          (message) => isDeviceMessage(message) && isProductEventMessage(message),
        );
        if (batch.length === 0) return;
        const setAside = async (message: BatchMessage, reason: string) => {
          await deps.deadLetters.save(hubDeadLetter(name, message, reason));
          context.warn(
            `dead-lettered product event ${message.partitionId}/${message.sequenceNumber}: ${reason}`,
          );
        };
        let results: Awaited<ReturnType<typeof analytics.ingest<BatchMessage>>>[];
        try {
          results = await isolatePermanentFailures(
            batch,
            (part) => analytics.ingest(part),
            (message, error) =>
              setAside(message, error instanceof Error ? error.message : String(error)),
          );
          // Events that can never be counted (no product_id, an id over 128 characters) are kept
          // with the reason instead of vanishing.
          for (const { message, problem } of results.flatMap((r) => r.invalid))
            await setAside(message, problem);
        } catch (error) {
          context.error(
            `batch of ${batch.length} product events failed and will be retried`,
            error,
          );
          throw error;
        }
        const touched = results.flatMap((r) => r.touched);
        context.log(
          `counted ${results.reduce((sum, r) => sum + r.counted, 0)} product events for ${touched.length} products`,
        );
        // Best effort: a SignalR outage never holds the counts back.
        await deps.realtime.send(telemetryHub, broadcastInChunks('analytics', touched), (line) =>
          context.warn(line),
        );
      },
    },
    {
      kind: 'http',
      name: 'topProducts',
      route: 'analytics/products',
      methods: ['GET'],
      access: { kind: 'roles', anyOf: ['Fleet.Read'] },
      handler: async (request) => {
        const minutes = queryInteger(request, 'minutes', { min: 1, max: 1440, fallback: 60 });
        const limit = queryInteger(request, 'limit', { min: 1, max: 100, fallback: 20 });
        return { jsonBody: await analytics.top(minutes, limit) };
      },
    },
  ];
}
