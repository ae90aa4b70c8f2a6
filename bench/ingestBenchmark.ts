import { TableClient } from '@azure/data-tables';
import {
  createInvocationContext,
  type HubEvent,
  toEventHubInvocation,
} from '@fieldline/functions-host';
import { startSignalRServer } from '@fieldline/signalr-emulator';
import { startAzurite } from '../dev/azurite';
import { startRegionNetwork } from '../dev/network/regionNetwork';
import { parseAlarmRule } from '../functions/src/fleet/alarmRule';
import { createFunctionDefinitions } from '../functions/src/functionDefinitions';
import type { EventHubFunctionDefinition } from '../functions/src/host/functionDefinition';
import { createServices } from '../functions/src/services';
import { loadConfig } from '../functions/src/settings/config';
import { settingNames } from '../functions/src/settings/settingNames';
import type { Benchmark, BenchmarkFigures } from './benchmark';
import { loadAzurePrices } from './costModel';
import { deviceOf, drive, makeWorkload, type Workload } from './ingestWorkload';
import { createSeedIngest } from './seedBaseline';
import { countStorageRequests, requestKinds } from './storageRequests';

interface FleetVariant {
  readonly rollups: boolean;
  readonly rules: number;
  readonly thresholds: 'none' | 'rare' | 'flapping';
}

/**
 * What the fleet features cost ingest: 20 active threshold rules (fleet-wide, by tag and by
 * device) with hourly rollups, against neither. In `fleet` the thresholds sit in the top ~0.3% of
 * each metric's range, so alarms come and go through the run; in `flapping` in the top ~2%, so
 * one reading in twenty raises or clears one, far more than a fleet's alarms do. The run reports
 * how many alarms each raised.
 */
const fleetVariants: Readonly<Record<'plain' | 'fleet' | 'flapping', FleetVariant>> = {
  plain: { rollups: false, rules: 0, thresholds: 'none' },
  fleet: { rollups: true, rules: 20, thresholds: 'rare' },
  flapping: { rollups: true, rules: 20, thresholds: 'flapping' },
};

const benchThresholds = {
  rare: { temperature: 29.95, humidity: 69.9, pressure: 1030, light: 798 },
  flapping: { temperature: 29.7, humidity: 69.5, pressure: 1029.5, light: 792 },
};

function benchRules(count: number, level: 'rare' | 'flapping') {
  const metrics = ['temperature', 'humidity', 'pressure', 'light'] as const;
  const thresholds = benchThresholds[level];
  return Array.from({ length: count }, (_, i) => {
    const metric = metrics[i % metrics.length] as (typeof metrics)[number];
    const scope =
      i % 3 === 0
        ? { fleet: true }
        : i % 3 === 1
          ? { tag: `zone-${i % 5}` }
          : { deviceId: `bench-device-${String(i).padStart(5, '0')}` };
    return {
      ruleId: `bench-${i}`,
      body: { metric, op: '>', threshold: thresholds[metric], forSeconds: i % 2 ? 0 : 5, scope },
    };
  });
}

/** fieldline's real function definition, invoked the way the Functions host invokes it. */
async function runFieldline(
  batches: HubEvent[][][],
  expected: ReadonlyMap<string, number>,
  rttMs: number,
  variant: FleetVariant = { rollups: true, rules: 0, thresholds: 'none' },
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
      rollups: variant.rollups,
    });
    // Set up before the clock: rules, and tags on a fifth of the devices for the tag-scoped ones.
    for (const { ruleId, body } of variant.thresholds === 'none'
      ? []
      : benchRules(variant.rules, variant.thresholds)) {
      const parsed = parseAlarmRule(ruleId, body);
      if (!parsed.ok) throw new Error(parsed.problems.join('; '));
      await services.fleet.rules.put(parsed.value);
    }
    if (variant.rules > 0)
      for (const [index, deviceId] of [...expected.keys()].entries())
        if (index % 5 === 0)
          await services.fleet.tags.put(deviceId, [`zone-${index % 25 === 0 ? 0 : index % 5}`]);
    storage.reset();
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
    const alarms =
      variant.rules > 0
        ? (await services.fleet.alarms.list({ state: 'all', limit: Number.MAX_SAFE_INTEGER }))
            .length
        : 0;
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
      alarms,
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
    // The fleet features' cost, in the same run: 20 rules and rollups against neither, at the
    // round trip the cost model uses. The variants take turns, so a busy moment on this shared
    // machine hits them alike; each figure is a median.
    const costLevel = levels.includes(10) ? 10 : (levels[0] as number);
    const rounds = quick ? 1 : 5;
    const runs = { plain: [], fleet: [], flapping: [] } as Record<
      keyof typeof fleetVariants,
      Awaited<ReturnType<typeof runFieldline>>[]
    >;
    for (let round = 0; round < rounds; round++)
      for (const name of ['plain', 'fleet', 'flapping'] as const)
        runs[name].push(await runFieldline(batches, expected, costLevel, fleetVariants[name]));
    const medianOf = (name: keyof typeof fleetVariants) => {
      const sorted = [...runs[name]].sort((a, b) => a.seconds - b.seconds);
      return {
        ...(sorted[Math.floor(sorted.length / 2)] as (typeof sorted)[number]),
        exact: sorted.every((run) => run.exact),
      };
    };
    const plain = medianOf('plain');
    const fleet = medianOf('fleet');
    const flapping = medianOf('flapping');
    const perEvent = (run: typeof plain) =>
      requestKinds.reduce((sum, kind) => sum + run.requestsByKind[kind], 0) / workload.events;
    figures['fleet.baselineRequestsPerEvent'] = perEvent(plain);
    for (const [name, run] of [
      ['fleet', fleet],
      ['fleet.flapping', flapping],
    ] as const) {
      figures[`${name}.requestsPerEvent`] = perEvent(run);
      figures[`${name}.requestsPerEventRatio`] = perEvent(run) / perEvent(plain);
      // Above 1 is slower with the fleet features: ingest.speedup moves by its inverse.
      figures[`${name}.secondsRatio`] = run.seconds / plain.seconds;
      figures[`${name}.alarmsRaised`] = run.alarms;
      allExact &&= run.exact;
      log(
        `${name} at ${costLevel} ms: ${perEvent(run).toFixed(4)} vs ${perEvent(plain).toFixed(4)} requests an event, ` +
          `${(workload.events / run.seconds).toFixed(0)} vs ${(workload.events / plain.seconds).toFixed(0)} events/s, ${run.alarms} alarms raised`,
      );
    }
    allExact &&= plain.exact;
    figures.exact = allExact;
    figures.costRttMs = levels.includes(10) ? 10 : (levels.at(-1) as number);
    return figures;
  },
};
