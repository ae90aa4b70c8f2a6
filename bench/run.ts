import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readOptions } from '../tools/cliArgs';
import type { Benchmark, BenchmarkFigures } from './benchmark';
import { coldstartBenchmark } from './coldstartBenchmark';
import { costBenchmark } from './costModel';
import { dashboardBenchmark } from './dashboardBenchmark';
import { devicesBenchmark } from './devicesBenchmark';
import { e2eBenchmark } from './e2eBenchmark';
import { encountersBenchmark } from './encountersBenchmark';
import { historyBenchmark } from './historyBenchmark';
import { ingestBenchmark } from './ingestBenchmark';
import { roomsBenchmark } from './roomsBenchmark';
import { searchBenchmark } from './searchBenchmark';

const benchmarks: readonly Benchmark[] = [
  ingestBenchmark,
  costBenchmark,
  coldstartBenchmark,
  e2eBenchmark,
  dashboardBenchmark,
  encountersBenchmark,
  historyBenchmark,
  roomsBenchmark,
  searchBenchmark,
  devicesBenchmark,
];

const usage = `npm run bench -- [--quick] [--rtt <ms>] [--only ${benchmarks.map((b) => b.name).join(',')}]`;

interface Args {
  readonly quick: boolean;
  readonly rttMs?: number;
  readonly only: readonly string[];
}

/** The arguments, or the problem with them in words a person can act on. */
function readArgs(argv: string[]): Args | { problem: string } {
  const read = readOptions(argv, { quick: 'boolean', rtt: 'number', only: 'strings' }, usage);
  if ('problem' in read) return read;
  const { quick = false, rtt, only = [] } = read.values;
  const unknown = only.filter((name) => !benchmarks.some((b) => b.name === name));
  if (unknown.length > 0)
    return {
      problem: `no benchmark named ${unknown.join(', ')}; choose from ${benchmarks.map((b) => b.name).join(', ')}`,
    };
  if (rtt !== undefined && rtt > 1000)
    return {
      problem: `--rtt takes a round trip in milliseconds up to 1000, such as --rtt 10; got ${rtt}`,
    };
  return { quick, only, ...(rtt === undefined ? {} : { rttMs: rtt }) };
}

/** The selected benchmarks and the ones they need, in the order of the list above. */
function selection(only: readonly string[]): Benchmark[] {
  const wanted = new Set(only.length === 0 ? benchmarks.map((b) => b.name) : only);
  for (const benchmark of benchmarks)
    if (wanted.has(benchmark.name)) for (const need of benchmark.needs ?? []) wanted.add(need);
  return benchmarks.filter((b) => wanted.has(b.name));
}

async function main(): Promise<number> {
  const args = readArgs(process.argv.slice(2));
  if ('problem' in args) {
    console.error(args.problem);
    return 2;
  }
  const figures: BenchmarkFigures = {};
  for (const benchmark of selection(args.only)) {
    const mode = [
      args.quick ? 'quick' : '',
      args.rttMs === undefined ? '' : `${args.rttMs} ms round trips`,
    ]
      .filter(Boolean)
      .join(', ');
    console.log(`\n▶ ${benchmark.name}${mode ? ` (${mode})` : ''}: ${benchmark.description}`);
    const started = Date.now();
    const result = await benchmark.run({
      quick: args.quick,
      ...(args.rttMs === undefined ? {} : { rttMs: args.rttMs }),
      figures,
      log: (line) => console.log(`  ${line}`),
    });
    for (const [key, value] of Object.entries(result)) figures[`${benchmark.name}.${key}`] = value;
    console.log(`  done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  printTable(figures);
  const resultsDir = path.join(__dirname, 'results');
  await mkdir(resultsDir, { recursive: true });
  const file = path.join(resultsDir, 'latest.json');
  const machine = {
    node: process.version,
    cpus: os.cpus().length,
    platform: `${os.platform()}-${os.arch()}`,
  };
  await writeFile(
    file,
    `${JSON.stringify({ at: new Date().toISOString(), quick: args.quick, rttMs: args.rttMs ?? null, only: args.only, machine, figures }, null, 2)}\n`,
  );
  console.log(`\nwrote ${path.relative(process.cwd(), file)}`);
  return 0;
}

function printTable(figures: BenchmarkFigures): void {
  const rows = Object.entries(figures).map(([key, value]) => [key, formatValue(value)] as const);
  const width = Math.max(...rows.map(([key]) => key.length), 6);
  console.log(`\n${'figure'.padEnd(width)}  value`);
  console.log(`${'-'.repeat(width)}  ${'-'.repeat(12)}`);
  for (const [key, value] of rows) console.log(`${key.padEnd(width)}  ${value}`);
}

function formatValue(value: number | boolean): string {
  if (typeof value === 'boolean') return String(value);
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  return value.toFixed(Math.abs(value) < 1 ? 4 : 2);
}

main().then(
  (code) => {
    if (code !== 0) {
      process.exitCode = code;
      return;
    }
    // Every benchmark stops what it started; a handle left open is a leak to fix, so it fails the
    // run (CI would otherwise wait for it forever) instead of being hidden by an exit.
    setTimeout(() => {
      console.error(
        'bench: something a benchmark started is still open 10 s after the results; failing the run',
      );
      process.exit(1);
    }, 10_000).unref();
  },
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
