import type { InvocationContext } from '@azure/functions';
import type { EventHubFunctionDefinition } from '../platform/functionDefinition';
import { consumerGroups, settingNames } from '../platform/settingNames';
import { telemetryMessages } from '../realtime/signalRBindings';
import { broadcastInChunks } from '../realtime/signalRMessage';
import type { TelemetryIngestor, TelemetryMessage } from './telemetryIngestor';

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
    kind: 'eventHub',
    name: 'ingestTelemetry',
    connection: settingNames.iotHubEventHub,
    eventHubName: `%${settingNames.iotHubEventHubName}%`,
    consumerGroup: consumerGroups.ingest,
    cardinality: 'many',
    retry: {
      strategy: 'exponentialBackoff',
      maxRetryCount: -1,
      minimumInterval: 2_000,
      maximumInterval: 120_000,
    },
    extraOutputs: [telemetryMessages],
    handler: async (messages, context) => {
      const batch = toTelemetryMessages(messages, context);
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

/** Reads the Event Hubs batch metadata the Functions host sends alongside the bodies. */
function toTelemetryMessages(bodies: unknown[], context: InvocationContext): TelemetryMessage[] {
  const metadata = context.triggerMetadata ?? {};
  const systemProperties = arrayOf(metadata.systemPropertiesArray);
  const sequenceNumbers = arrayOf(metadata.sequenceNumberArray);
  const enqueuedTimes = arrayOf(metadata.enqueuedTimeUtcArray);
  const partitionContext = (metadata.partitionContext ?? {}) as { partitionId?: unknown };
  const partitionId = String(partitionContext.partitionId ?? '0');
  return bodies.map((body, index) => {
    const properties = (systemProperties[index] ?? {}) as Record<string, unknown>;
    const deviceId = properties['iothub-connection-device-id'];
    const sequenceNumber = Number(
      sequenceNumbers[index] ?? properties.sequenceNumber ?? properties['x-opt-sequence-number'],
    );
    const enqueued =
      enqueuedTimes[index] ?? properties.enqueuedTimeUtc ?? properties['iothub-enqueuedtime'];
    return {
      deviceId: typeof deviceId === 'string' && deviceId !== '' ? deviceId : undefined,
      body,
      partitionId,
      sequenceNumber: Number.isFinite(sequenceNumber) ? sequenceNumber : -1,
      enqueuedTime: toIsoTime(enqueued),
    };
  });
}

function arrayOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function toIsoTime(value: unknown): string {
  const time =
    value instanceof Date
      ? value
      : new Date(typeof value === 'string' || typeof value === 'number' ? value : Date.now());
  return Number.isNaN(time.getTime()) ? new Date().toISOString() : time.toISOString();
}
