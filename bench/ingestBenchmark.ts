import { TableClient } from '@azure/data-tables';
import { createFunctionDefinitions } from '../functions/src/functionDefinitions';
import { loadConfig } from '../functions/src/platform/config';
import type { EventHubFunctionDefinition } from '../functions/src/platform/functionDefinition';
import { settingNames } from '../functions/src/platform/settingNames';
import { createServices } from '../functions/src/services';
import { seededRandom } from '../harness/random';
import { startAzurite } from '../local/azurite';
import { type HubEvent, toEventHubInvocation } from '../local/eventHubInvocation';
import { createInvocationContext } from '../local/functionInvocation';
import { startRegionNetwork } from '../local/network/regionNetwork';
import { startSignalRServer } from '../local/signalR/signalRServer';
import type { Benchmark, BenchmarkFigures } from './benchmark';
import { loadAzurePrices } from './costModel';
import { createSeedIngest } from './seedBaseline';
import { countStorageRequests, requestKinds } from './storageRequests';

interface Workload {
  readonly devices: number;
  readonly events: number;
  readonly batchSize: number;
  readonly partitions: number;
  /** Events the seed's baseline handles: it is timed per event, and is slow under latency. */
  readonly seedEvents: number;
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

const deviceOf = (event: HubEvent) =>
  String(event.systemProperties?.['iothub-connection-device-id']);

/**
 * Partitions run in parallel, each one's batches in order, as the Event Hubs trigger delivers them.
 * Inputs are prepared before the clock starts: building them is the host's work, not the handler's.
 * Returns the wall time and the sum of the handler's times (what Functions bills).
 */
async function drive<T>(
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

/** fieldline's real function definition, invoked the way the Functions host invokes it. */
async function runFieldline(
  batches: HubEvent[][][],
  expected: ReadonlyMap<string, number>,
  rttMs: number,
) {
  const azurite = await startAzurite();
  const signalR = await startSignalRServer(0);
  const network = startRegionNetwork(rttMs);
  try {
    // SignalR bills each message to each client per 2 KB; a REST send's body is the message.
    const unitBytes = loadAzurePrices().assumptions.signalRBillingUnitBytes;
    const signalRSends = { requests: 0, units: 0 };
    const signalRPort = await network.route(signalR.port, 'http', (_, bodyBytes = 0) => {
      signalRSends.requests++;
      signalRSends.units += Math.ceil(bodyBytes / unitBytes);
    });
    const config = loadConfig({
      [settingNames.dataStorage]: await network.storage(azurite),
      [settingNames.signalR]: `Endpoint=http://127.0.0.1:${signalRPort};AccessKey=${signalR.accessKey};Version=1.0;`,
    });
    const storage = countStorageRequests();
    const services = createServices(config, {
      tables: { additionalPolicies: storage.policies },
    });
    const definition = createFunctionDefinitions(services).find(
      (d): d is EventHubFunctionDefinition => d.name === 'ingestTelemetry',
    );
    if (!definition) throw new Error('ingestTelemetry is not defined');
    const { seconds, handlerMs } = await drive(
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
    const requestsByKind = { ...storage.counts };
    const states = await services.deviceStates.list();
    await services.close();
    const exact =
      states.length === expected.size &&
      states.every((state) => state.count === expected.get(state.deviceId) && state.rejected === 0);
    return {
      seconds,
      handlerMs,
      requestsByKind,
      signalRUnits: signalRSends.units,
      signalRRequests: signalRSends.requests,
      exact,
    };
  } finally {
    await network.stop();
    await signalR.stop();
    await azurite.stop();
  }
}

/** The seed's get-and-merge per message (see seedBaseline.ts), on the same network. */
async function runSeed(batches: HubEvent[][][], rttMs: number) {
  const azurite = await startAzurite();
  const network = startRegionNetwork(rttMs);
  try {
    const storage = countStorageRequests();
    const connectionString = await network.storage(azurite);
    const client = (table: string) =>
      TableClient.fromConnectionString(connectionString, table, {
        allowInsecureConnection: true,
        additionalPolicies: storage.policies,
      });
    const tables = { deviceState: client('seedstate'), calibration: client('seedcalibration') };
    await tables.deviceState.createTable();
    await tables.calibration.createTable();
    const seed = createSeedIngest(tables);
    await seed.warmCalibrations(new Set(batches.flat(2).map(deviceOf)));
    storage.reset();
    const { seconds, handlerMs } = await drive(batches, (batch) => batch, seed.ingest);
    return { seconds, handlerMs, requests: storage.total() };
  } finally {
    await network.stop();
    await azurite.stop();
  }
}

async function medianRun<T extends { seconds: number; exact: boolean }>(
  times: number,
  run: () => Promise<T>,
): Promise<T> {
  const results: T[] = [];
  for (let i = 0; i < times; i++) results.push(await run());
  const sorted = [...results].sort((a, b) => a.seconds - b.seconds);
  const median = sorted[Math.floor(sorted.length / 2)] as T;
  return { ...median, exact: results.every((result) => result.exact) };
}

export const ingestBenchmark: Benchmark = {
  name: 'ingest',
  description:
    'ingestTelemetry on Azurite vs the seed (get + merge per message), with 0, 2, 10 and 25 ms round trips to storage and SignalR',
  async run({ quick, rttMs, log }) {
    const workload: Workload = quick
      ? { devices: 50, events: 1_000, batchSize: 100, partitions: 4, seedEvents: 400 }
      : { devices: 500, events: 20_000, batchSize: 100, partitions: 4, seedEvents: 4_000 };
    const levels = rttMs !== undefined ? [rttMs] : quick ? [0, 10] : [0, 2, 10, 25];
    const { batches, expected } = makeWorkload(workload);
    const seedBatchesPerPartition = Math.ceil(
      workload.seedEvents / workload.partitions / workload.batchSize,
    );
    const seedBatches = batches.map((partition) => partition.slice(0, seedBatchesPerPartition));
    const seedEvents = seedBatches.flat().reduce((sum, batch) => sum + batch.length, 0);
    const batchCount = batches.flat().length;
    const devicesPerBatch =
      batches.flat().reduce((sum, batch) => sum + new Set(batch.map(deviceOf)).size, 0) /
      batchCount;
    log(
      `${workload.devices} devices, ${workload.events} events (the seed: the first ${seedEvents}), ` +
        `batches of ${workload.batchSize} naming ${devicesPerBatch.toFixed(1)} devices on average, ` +
        `${workload.partitions} partitions; round trips ${levels.join(', ')} ms`,
    );

    // The first level must not pay for compiling the code every level runs.
    const warmUp = makeWorkload({ ...workload, events: Math.min(workload.events, 1_000) });
    await runFieldline(warmUp.batches, warmUp.expected, 0);

    const figures: BenchmarkFigures = {};
    let allExact = true;
    for (const [index, level] of levels.entries()) {
      // fieldline's runs take seconds and this machine is shared: the median of three.
      const ours = await medianRun(quick ? 1 : 3, () => runFieldline(batches, expected, level));
      const seed = await runSeed(seedBatches, level);
      allExact &&= ours.exact;
      const storageRequests = requestKinds.reduce(
        (sum, kind) => sum + ours.requestsByKind[kind],
        0,
      );
      const at = {
        eventsPerSecond: workload.events / ours.seconds,
        baselineEventsPerSecond: seedEvents / seed.seconds,
        speedup: seedEvents / seed.seconds / (workload.events / ours.seconds),
        requestsPerEvent: storageRequests / workload.events,
        baselineRequestsPerEvent: seed.requests / seedEvents,
        eventsPerBatch: workload.events / batchCount,
        devicesPerBatch,
        handlerMsPerBatch: ours.handlerMs / batchCount,
        baselineHandlerMsPerBatch: seed.handlerMs / seedBatches.flat().length,
        signalRUnitsPerBatch: ours.signalRUnits / batchCount,
      };
      at.speedup = at.eventsPerSecond / at.baselineEventsPerSecond;
      log(
        `${level} ms: fieldline ${at.eventsPerSecond.toFixed(0)} events/s (${at.handlerMsPerBatch.toFixed(1)} ms a batch, ` +
          `${storageRequests} storage requests, exact=${ours.exact}); the seed ${at.baselineEventsPerSecond.toFixed(0)} events/s ` +
          `(${at.baselineHandlerMsPerBatch.toFixed(0)} ms a batch); speedup ${at.speedup.toFixed(1)}`,
      );
      for (const [name, value] of Object.entries(at)) figures[`at${level}msRtt.${name}`] = value;
      figures[`speedupAt${level}msRtt`] = at.speedup;
      if (index === 0) {
        // The first level is the raw figure (no delay unless --rtt asks for one).
        figures.eventsPerSecond = at.eventsPerSecond;
        figures.baselineEventsPerSecond = at.baselineEventsPerSecond;
        figures.speedup = at.speedup;
        figures.requestsPerEvent = at.requestsPerEvent;
        figures.baselineRequestsPerEvent = at.baselineRequestsPerEvent;
        for (const kind of requestKinds)
          figures[`requestsByKind.${kind}`] = ours.requestsByKind[kind] / workload.events;
        figures.signalRRequestsPerEvent = ours.signalRRequests / workload.events;
      }
    }
    figures.exact = allExact;
    figures.costRttMs = levels.includes(10) ? 10 : (levels.at(-1) as number);
    return figures;
  },
};
