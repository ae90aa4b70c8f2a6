import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Benchmark, BenchmarkFigures } from './benchmark';

interface Price {
  readonly value: number;
  readonly unit: string;
  readonly source: string;
  readonly readFrom: string;
  readonly asOf: string;
}

export interface AzurePrices {
  readonly prices: {
    readonly tableTransactionPer10k: Price;
    readonly functionsFlexGbSecond: Price;
    readonly functionsFlexPerMillionExecutions: Price;
    readonly signalRPerMillionMessages: Price;
  };
  readonly assumptions: {
    readonly instanceMemoryMB: number;
    readonly dashboardClients: number;
    readonly signalRBillingUnitBytes: number;
  };
}

export function loadAzurePrices(file = path.join(__dirname, 'azurePrices.json')): AzurePrices {
  return JSON.parse(readFileSync(file, 'utf8')) as AzurePrices;
}

/** What one design spends on a million telemetry events, in billable units. */
export interface UsagePerMillionEvents {
  readonly tableTransactions: number;
  readonly executions: number;
  readonly gbSeconds: number;
  /** Billed outbound messages (2 KB units, one per receiving client). */
  readonly signalRMessages: number;
}

export function costOf(usage: UsagePerMillionEvents, { prices }: AzurePrices): number {
  return (
    (usage.tableTransactions / 10_000) * prices.tableTransactionPer10k.value +
    (usage.executions / 1_000_000) * prices.functionsFlexPerMillionExecutions.value +
    usage.gbSeconds * prices.functionsFlexGbSecond.value +
    (usage.signalRMessages / 1_000_000) * prices.signalRPerMillionMessages.value
  );
}

/** What the ingest benchmark measured, per batch, at one round-trip time. */
export interface IngestMeasurement {
  readonly rttMs: number;
  readonly eventsPerBatch: number;
  readonly devicesPerBatch: number;
  readonly handlerMsPerBatch: number;
  readonly tableRequestsPerEvent: number;
  /** SignalR 2 KB units per batch for one receiving client. */
  readonly signalRUnitsPerBatch: number;
  readonly baselineHandlerMsPerBatch: number;
  readonly baselineTableRequestsPerEvent: number;
}

/**
 * fieldline: one execution per batch, as long as the handler took; its Table requests; its
 * broadcasts. The seed: one Python execution per batch (two storage round trips per message),
 * then, per device in the batch, one HTTP function call that returns one SignalR message; that
 * call's time is taken as one round trip, its least.
 */
export function usagePerMillionEvents(measured: IngestMeasurement, prices: AzurePrices) {
  const batches = 1_000_000 / measured.eventsPerBatch;
  const memoryGb = prices.assumptions.instanceMemoryMB / 1024;
  const clients = prices.assumptions.dashboardClients;
  const fieldline: UsagePerMillionEvents = {
    tableTransactions: measured.tableRequestsPerEvent * 1_000_000,
    executions: batches,
    gbSeconds: batches * (measured.handlerMsPerBatch / 1000) * memoryGb,
    signalRMessages: batches * measured.signalRUnitsPerBatch * clients,
  };
  const httpCalls = batches * measured.devicesPerBatch;
  const seed: UsagePerMillionEvents = {
    tableTransactions: measured.baselineTableRequestsPerEvent * 1_000_000,
    executions: batches + httpCalls,
    gbSeconds:
      ((batches * measured.baselineHandlerMsPerBatch + httpCalls * measured.rttMs) / 1000) *
      memoryGb,
    signalRMessages: httpCalls * clients,
  };
  return { fieldline, seed };
}

/** Reads the ingest figures at 10 ms (or the one round trip measured) and prices them. */
export const costBenchmark: Benchmark = {
  name: 'cost',
  description:
    'Azure cost per million telemetry events, fieldline and the seed, from bench/azurePrices.json',
  needs: ['ingest'],
  async run({ figures, log }) {
    const measured = ingestMeasurementFrom(figures);
    const prices = loadAzurePrices();
    const { fieldline, seed } = usagePerMillionEvents(measured, prices);
    const perMillionEvents = costOf(fieldline, prices);
    const seedPerMillionEvents = costOf(seed, prices);
    log(
      `at ${measured.rttMs} ms round trips: fieldline ${format(fieldline)}; the seed ${format(seed)}`,
    );
    const result: BenchmarkFigures = {
      rttMs: measured.rttMs,
      perMillionEvents,
      seedPerMillionEvents,
      ratio: seedPerMillionEvents / perMillionEvents,
    };
    for (const [name, value] of Object.entries(fieldline)) result[`fieldline.${name}`] = value;
    for (const [name, value] of Object.entries(seed)) result[`seed.${name}`] = value;
    return result;
  },
};

function format(usage: UsagePerMillionEvents): string {
  return `${Math.round(usage.tableTransactions)} table transactions, ${Math.round(usage.executions)} executions, ${usage.gbSeconds.toFixed(0)} GB-s, ${Math.round(usage.signalRMessages)} SignalR messages`;
}

function ingestMeasurementFrom(figures: Readonly<BenchmarkFigures>): IngestMeasurement {
  const rttMs = figures['ingest.costRttMs'];
  if (typeof rttMs !== 'number')
    throw new Error("the cost model needs the ingest benchmark's figures");
  const at = (name: string): number => {
    const value = figures[`ingest.at${rttMs}msRtt.${name}`];
    if (typeof value !== 'number')
      throw new Error(`ingest.at${rttMs}msRtt.${name} was not measured`);
    return value;
  };
  return {
    rttMs,
    eventsPerBatch: at('eventsPerBatch'),
    devicesPerBatch: at('devicesPerBatch'),
    handlerMsPerBatch: at('handlerMsPerBatch'),
    tableRequestsPerEvent: at('requestsPerEvent'),
    signalRUnitsPerBatch: at('signalRUnitsPerBatch'),
    baselineHandlerMsPerBatch: at('baselineHandlerMsPerBatch'),
    baselineTableRequestsPerEvent: at('baselineRequestsPerEvent'),
  };
}
