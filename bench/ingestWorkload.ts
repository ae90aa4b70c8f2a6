import type { HubEvent } from '@fieldline/functions-host';
import { seededRandom } from '../harness/random';

// The ingest benchmark's input: a seeded workload of hub batches, and the driver that feeds them
// partition by partition, as the Event Hubs trigger does.

export interface Workload {
  readonly devices: number;
  readonly events: number;
  readonly batchSize: number;
  readonly partitions: number;
  /** Events the seed's baseline handles: it is timed per event, and is slow under latency. */
  readonly seedEvents: number;
}

/** Telemetry for `devices` devices spread over hub partitions, in per-partition batches. */
export function makeWorkload({ devices, events, batchSize, partitions }: Workload) {
  const random = seededRandom(42);
  const deviceIds = Array.from(
    { length: devices },
    (_, i) => `bench-device-${String(i).padStart(5, '0')}`,
  );
  const perPartition: HubEvent[][] = Array.from({ length: partitions }, () => []);
  const expected = new Map<string, number>();
  const start = Date.UTC(2026, 0, 1);
  for (let i = 0; i < events; i++) {
    const index = Math.floor(random() * devices);
    const deviceId = deviceIds[index] as string;
    const partition = perPartition[index % partitions] as HubEvent[];
    partition.push({
      body: {
        temperature: Math.round((15 + random() * 15) * 100) / 100,
        humidity: Math.round((30 + random() * 40) * 10) / 10,
        pressure: Math.round(990 + random() * 40),
        light: Math.round(random() * 800),
      },
      sequenceNumber: partition.length,
      offset: String(partition.length * 256),
      enqueuedTime: new Date(start + i * 10),
      systemProperties: { 'iothub-connection-device-id': deviceId },
    });
    expected.set(deviceId, (expected.get(deviceId) ?? 0) + 1);
  }
  const batches = perPartition.map((partitionEvents) => {
    const chunks: HubEvent[][] = [];
    for (let i = 0; i < partitionEvents.length; i += batchSize)
      chunks.push(partitionEvents.slice(i, i + batchSize));
    return chunks;
  });
  return { batches, expected };
}

export const deviceOf = (event: HubEvent) =>
  String(event.systemProperties?.['iothub-connection-device-id']);

/**
 * Partitions run in parallel, each one's batches in order, as the Event Hubs trigger delivers them.
 * Inputs are prepared before the clock starts: building them is the host's work, not the handler's.
 * Returns the wall time and the sum of the handler's times (what Functions bills).
 */
export async function drive<T>(
  batches: HubEvent[][][],
  prepare: (batch: HubEvent[], partitionId: string) => T,
  handle: (input: T) => Promise<void>,
) {
  const inputs = batches.map((partitionBatches, partition) =>
    partitionBatches.map((batch) => prepare(batch, String(partition))),
  );
  let handlerMs = 0;
  const started = performance.now();
  await Promise.all(
    inputs.map(async (partitionInputs) => {
      for (const input of partitionInputs) {
        const begun = performance.now();
        await handle(input);
        handlerMs += performance.now() - begun;
      }
    }),
  );
  return { seconds: (performance.now() - started) / 1000, handlerMs };
}
