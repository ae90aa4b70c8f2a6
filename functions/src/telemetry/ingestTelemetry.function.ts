import { isProductEventMessage } from '../analytics/productEvent';
import { readEventHubBatch } from '../platform/eventHubBatch';
import type { EventHubFunctionDefinition } from '../platform/functionDefinition';
import { iotHubBatchTrigger } from '../platform/iotHubTrigger';
import { consumerGroups } from '../platform/settingNames';
import { telemetryMessages } from '../realtime/signalRBindings';
import { broadcastInChunks } from '../realtime/signalRMessage';
import type { TelemetryIngestor } from './telemetryIngestor';

/**
 * `ingestTelemetry`: IoT Hub built-in endpoint -> device state -> one SignalR broadcast per batch.
 *
 * The Event Hubs trigger checkpoints a batch even when the handler throws, so a storage or SignalR
 * failure would skip the batch. The retry policy re-runs it instead, indefinitely and with
 * backoff: the partition pauses until the dependency is back, and replay protection makes the
 * re-run exact. Bad messages never throw; they are kept as rejections.
 */
export function createIngestTelemetry(ingestor: TelemetryIngestor): EventHubFunctionDefinition {
  return {
    ...iotHubBatchTrigger(consumerGroups.ingest),
    name: 'ingestTelemetry',
    extraOutputs: [telemetryMessages],
    handler: async (messages, context) => {
      // Product events share the hub and belong to analyticsEvents.
      const batch = readEventHubBatch(messages, context).filter(
        (message) => !isProductEventMessage(message),
      );
      try {
        const result = await ingestor.ingest(batch);
        context.extraOutputs.set(telemetryMessages, [
          ...broadcastInChunks('deviceState', result.updates),
          ...broadcastInChunks('telemetryRejected', result.rejections),
        ]);
        context.log(
          `ingested ${batch.length} messages: ${result.accepted} readings accepted, ` +
            `${result.rejections.length} rejected, ${result.updates.length} devices updated`,
        );
      } catch (error) {
        context.error(`batch of ${batch.length} failed and will be retried`, error);
        throw error;
      }
    },
  };
}
