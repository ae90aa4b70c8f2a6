import { isProductEventMessage } from '../analytics/productEvent';
import { announceAlarms } from '../fleet/alarms.function';
import type { AlarmWebhook } from '../fleet/fleetDeps';
import { hubDeadLetter, isDeviceMessage, readEventHubBatch } from '../host/eventHubBatch';
import type { EventHubFunctionDefinition } from '../host/functionDefinition';
import { iotHubBatchTrigger } from '../host/iotHubTrigger';
import { isolatePermanentFailures } from '../host/isolatePermanentFailures';
import { telemetryHub } from '../realtime/hubs';
import type { RealtimeDelivery } from '../realtime/realtimeDelivery';
import { broadcastInChunks } from '../realtime/signalRMessage';
import { consumerGroups } from '../settings/settingNames';
import type { DeadLetterStore } from '../storage/deadLetterStore';
import type { IngestResult, TelemetryIngestor } from './telemetryIngestor';

/**
 * `ingestTelemetry`: IoT Hub built-in endpoint -> device state -> one SignalR broadcast per batch.
 * Device readings and the hub's connection and twin change events build the same state, in hub
 * order, so a replayed batch changes nothing twice whatever it holds.
 *
 * The Event Hubs trigger checkpoints a batch even when the handler throws, so a storage failure
 * would skip the batch. The retry policy re-runs it instead, indefinitely and with backoff: the
 * partition pauses until storage is back, and replay protection makes the re-run exact. Bad
 * readings never throw; they are kept as rejections. A message storage refuses for good (a
 * permanent failure) is isolated by splitting the batch and goes to dead letters. The broadcast is best effort (see
 * `createRealtimeDelivery`): a SignalR outage never holds state back.
 */
export function createIngestTelemetryFunctions(deps: {
  readonly ingestor: TelemetryIngestor;
  readonly realtime: RealtimeDelivery;
  readonly deadLetters: DeadLetterStore;
  readonly alarmWebhook?: AlarmWebhook;
}): EventHubFunctionDefinition[] {
  const name = 'ingestTelemetry';
  return [
    {
      ...iotHubBatchTrigger(consumerGroups.ingest),
      name,
      handler: async (messages, context) => {
        // Product events share the hub and belong to analyticsEvents. The hub's own events (twin
        // changes, connection state) go to the ingestor, which keeps what they say of each device
        // and never takes one for a reading.
        const batch = readEventHubBatch(messages, context).filter(
          (message) => !(isDeviceMessage(message) && isProductEventMessage(message)),
        );
        let results: IngestResult[];
        try {
          // A message storage refuses for good goes to dead letters; the rest of the batch is applied.
          results = await isolatePermanentFailures(
            batch,
            (part) => deps.ingestor.ingest(part),
            async (message, error) => {
              const reason = error instanceof Error ? error.message : String(error);
              await deps.deadLetters.save(hubDeadLetter(name, message, reason));
              context.warn(
                `dead-lettered hub message ${message.partitionId}/${message.sequenceNumber} from ${message.deviceId}: ${reason}`,
              );
            },
          );
        } catch (error) {
          context.error(`batch of ${batch.length} failed and will be retried`, error);
          throw error;
        }
        const updates = results.flatMap((r) => r.updates);
        const rejections = results.flatMap((r) => r.rejections);
        context.log(
          `ingested ${batch.length} messages: ${results.reduce((sum, r) => sum + r.accepted, 0)} readings accepted, ` +
            `${rejections.length} rejected, ${results.reduce((sum, r) => sum + r.hubEvents, 0)} hub events, ` +
            `${updates.length} devices updated`,
        );
        // Together, so alarms cost the batch no extra round trip.
        await Promise.all([
          deps.realtime.send(
            telemetryHub,
            [
              ...broadcastInChunks('deviceState', updates),
              ...broadcastInChunks('telemetryRejected', rejections),
            ],
            (line) => context.warn(line),
          ),
          announceAlarms(
            results.flatMap((r) => r.alarms),
            { realtime: deps.realtime, webhook: deps.alarmWebhook },
            context,
          ),
        ]);
      },
    },
  ];
}
