import { isProductEventMessage } from '../analytics/productEvent';
import { readEventHubBatch } from '../platform/eventHubBatch';
import type { EventHubFunctionDefinition } from '../platform/functionDefinition';
import { iotHubBatchTrigger } from '../platform/iotHubTrigger';
import { consumerGroups } from '../platform/settingNames';
import { telemetryHub } from '../realtime/hubs';
import type { RealtimeDelivery } from '../realtime/realtimeDelivery';
import { broadcastInChunks } from '../realtime/signalRMessage';
import type { TelemetryIngestor } from './telemetryIngestor';

/**
 * `ingestTelemetry`: IoT Hub built-in endpoint -> device state -> one SignalR broadcast per batch.
 *
 * The Event Hubs trigger checkpoints a batch even when the handler throws, so a storage failure
 * would skip the batch. The retry policy re-runs it instead, indefinitely and with backoff: the
 * partition pauses until storage is back, and replay protection makes the re-run exact. Bad
 * messages never throw; they are kept as rejections. The broadcast is best effort (see
 * `createRealtimeDelivery`): a SignalR outage never holds state back.
 */
export function createIngestTelemetry(
  ingestor: TelemetryIngestor,
  realtime: RealtimeDelivery,
): EventHubFunctionDefinition {
  return {
    ...iotHubBatchTrigger(consumerGroups.ingest),
    name: 'ingestTelemetry',
    handler: async (messages, context) => {
      // Product events share the hub and belong to analyticsEvents.
      const batch = readEventHubBatch(messages, context).filter(
        (message) => !isProductEventMessage(message),
      );
      let result: Awaited<ReturnType<TelemetryIngestor['ingest']>>;
      try {
        result = await ingestor.ingest(batch);
        context.log(
          `ingested ${batch.length} messages: ${result.accepted} readings accepted, ` +
            `${result.rejections.length} rejected, ${result.updates.length} devices updated`,
        );
      } catch (error) {
        context.error(`batch of ${batch.length} failed and will be retried`, error);
        throw error;
      }
      await realtime.send(
        telemetryHub,
        [
          ...broadcastInChunks('deviceState', result.updates),
          ...broadcastInChunks('telemetryRejected', result.rejections),
        ],
        (line) => context.warn(line),
      );
    },
  };
}
