import { TableClient } from '@azure/data-tables';
import { createFunctionDefinitions } from '../functions/src/functionDefinitions';
import { loadConfig } from '../functions/src/platform/config';
import type { EventHubFunctionDefinition } from '../functions/src/platform/functionDefinition';
import type { PipelinePolicies } from '../functions/src/platform/tableClientFactory';
import { createServices } from '../functions/src/services';
import { startAzurite } from '../local/azurite';
import { type HubEvent, toEventHubInvocation } from '../local/eventHubBatch';
import { createInvocationContext } from '../local/functionInvocation';
import { type Benchmark, seededRandom } from './benchmark';
import { createSeedIngest } from './seedBaseline';

interface Workload {
  readonly devices: number;
  readonly events: number;
  readonly batchSize: number;
  readonly partitions: number;
}

/** Telemetry for `devices` devices spread over hub partitions, in per-partition batches. */
function makeWorkload({ devices, events, batchSize, partitions }: Workload) {
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

/**
 * Partitions run in parallel, each one's batches in order, as the Event Hubs trigger delivers them.
 * Inputs are prepared before the clock starts: building them is the host's work, not the handler's.
 */
async function drive<T>(
  batches: HubEvent[][][],
  prepare: (batch: HubEvent[], partitionId: string) => T,
  handle: (input: T) => Promise<void>,
) {
  const inputs = batches.map((partitionBatches, partition) =>
    partitionBatches.map((batch) => prepare(batch, String(partition))),
  );
  const started = performance.now();
  await Promise.all(
    inputs.map(async (partitionInputs) => {
      for (const input of partitionInputs) await handle(input);
    }),
  );
  return (performance.now() - started) / 1000;
}

function requestCounter() {
  const counter = { requests: 0 };
  const policies: PipelinePolicies = [
    {
      position: 'perRetry',
      policy: {
        name: 'countStorageRequests',
        sendRequest: (request, next) => {
          counter.requests++;
          return next(request);
        },
      },
    },
  ];
  return { counter, policies };
}

export const ingestBenchmark: Benchmark = {
  name: 'ingest',
  description: 'ingestTelemetry on Azurite vs the seed (get + merge per message, one partition)',
  async run({ quick, log }) {
    const workload: Workload = quick
      ? { devices: 50, events: 1_000, batchSize: 100, partitions: 4 }
      : { devices: 500, events: 20_000, batchSize: 100, partitions: 4 };
    const { batches, expected } = makeWorkload(workload);
    log(
      `${workload.devices} devices, ${workload.events} events, batches of ${workload.batchSize}, ${workload.partitions} partitions`,
    );

    // fieldline: the real function definition, invoked the way the Functions host invokes it.
    const ours = await startAzurite();
    let fieldline: { seconds: number; requests: number; exact: boolean };
    try {
      const { counter, policies } = requestCounter();
      const services = createServices(loadConfig({ DataStorage: ours.connectionString }), {
        tables: { additionalPolicies: policies },
      });
      const definition = createFunctionDefinitions(services).find(
        (d): d is EventHubFunctionDefinition => d.name === 'ingestTelemetry',
      );
      if (!definition) throw new Error('ingestTelemetry is not defined');
      const seconds = await drive(
        batches,
        (batch, partitionId) =>
          toEventHubInvocation(batch, {
            consumerGroup: definition.consumerGroup,
            eventHubName: 'bench',
            fullyQualifiedNamespace: 'localhost',
            partitionId,
          }),
        ({ messages, triggerMetadata }) =>
          definition.handler(messages, createInvocationContext(definition, { triggerMetadata })),
      );
      const requests = counter.requests;
      const states = await services.deviceStates.list();
      const exact =
        states.length === expected.size &&
        states.every(
          (state) => state.count === expected.get(state.deviceId) && state.rejected === 0,
        );
      fieldline = { seconds, requests, exact };
      log(`fieldline: ${seconds.toFixed(2)} s, ${requests} storage requests, exact=${exact}`);
    } finally {
      await ours.stop();
    }

    const seed = await startAzurite();
    let baseline: { seconds: number; requests: number };
    try {
      const { counter, policies } = requestCounter();
      const client = (table: string) =>
        TableClient.fromConnectionString(seed.connectionString, table, {
          allowInsecureConnection: true,
          additionalPolicies: policies,
        });
      const tables = { deviceState: client('seedstate'), calibration: client('seedcalibration') };
      await tables.deviceState.createTable();
      await tables.calibration.createTable();
      counter.requests = 0;
      const ingest = createSeedIngest(tables);
      const seconds = await drive(batches, (batch) => batch, ingest);
      baseline = { seconds, requests: counter.requests };
      log(`seed baseline: ${seconds.toFixed(2)} s, ${baseline.requests} storage requests`);
    } finally {
      await seed.stop();
    }

    const events = workload.events;
    return {
      eventsPerSecond: events / fieldline.seconds,
      baselineEventsPerSecond: events / baseline.seconds,
      speedup: baseline.seconds / fieldline.seconds,
      requestsPerEvent: fieldline.requests / events,
      baselineRequestsPerEvent: baseline.requests / events,
      exact: fieldline.exact,
    };
  },
};
