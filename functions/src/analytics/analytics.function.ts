import { readEventHubBatch } from '../platform/eventHubBatch';
import type {
  EventHubFunctionDefinition,
  HttpFunctionDefinition,
} from '../platform/functionDefinition';
import { queryInteger } from '../platform/http';
import { iotHubBatchTrigger } from '../platform/iotHubTrigger';
import { consumerGroups } from '../platform/settingNames';
import { telemetryHub } from '../realtime/hubs';
import type { RealtimeDelivery } from '../realtime/realtimeDelivery';
import { broadcastInChunks } from '../realtime/signalRMessage';
import type { ProductAnalytics } from './productAnalytics';
import { isProductEventMessage } from './productEvent';

/**
 * `analyticsEvents`: product events from the hub (application property type=analytics), on their own
 * consumer group, counted per product and minute and broadcast as `analytics`. Like ingestTelemetry,
 * a storage failure re-runs the batch instead of skipping it, and a re-run counts nothing twice.
 */
export function createAnalyticsFunctions(
  analytics: ProductAnalytics,
  realtime: RealtimeDelivery,
): [EventHubFunctionDefinition, HttpFunctionDefinition] {
  return [
    {
      ...iotHubBatchTrigger(consumerGroups.analytics),
      name: 'analyticsEvents',
      handler: async (bodies, context) => {
        const batch = readEventHubBatch(bodies, context).filter(isProductEventMessage);
        if (batch.length === 0) return;
        let result: Awaited<ReturnType<ProductAnalytics['ingest']>>;
        try {
          result = await analytics.ingest(batch);
          context.log(
            `counted ${result.counted} product events (${result.invalid} not product events) for ${result.touched.length} products`,
          );
        } catch (error) {
          context.error(
            `batch of ${batch.length} product events failed and will be retried`,
            error,
          );
          throw error;
        }
        // Best effort: a SignalR outage never holds the counts back.
        await realtime.send(telemetryHub, broadcastInChunks('analytics', result.touched), (line) =>
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
