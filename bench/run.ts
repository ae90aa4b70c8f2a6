import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Benchmark, BenchmarkFigures } from './benchmark';
import { coldstartBenchmark } from './coldstartBenchmark';
import { dashboardBenchmark } from './dashboardBenchmark';
import { e2eBenchmark } from './e2eBenchmark';
import { encountersBenchmark } from './encountersBenchmark';
import { ingestBenchmark } from './ingestBenchmark';

const benchmarks: readonly Benchmark[] = [
  ingestBenchmark,
  coldstartBenchmark,
  e2eBenchmark,
  dashboardBenchmark,
  encountersBenchmark,
];

interface Args {
  readonly quick: boolean;
  readonly only: readonly string[];
}

function parseArgs(argv: readonly string[]): Args {
  const only: string[] = [];
  let quick = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') quick = true;
    else if (arg === '--only') only.push(...(argv[++i] ?? '').split(',').filter(Boolean));
    else {
      console.error(
        `unknown argument "${arg}". Usage: npm run bench -- [--quick] [--only ${benchmarks.map((b) => b.name).join(',')}]`,
      );
      process.exit(2);
    }
  }
  const unknown = only.filter((name) => !benchmarks.some((b) => b.name === name));
  if (unknown.length > 0) {
    console.error(
      `no benchmark named ${unknown.join(', ')}; choose from ${benchmarks.map((b) => b.name).join(', ')}`,
    );
    process.exit(2);
  }
  return { quick, only };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const selected = benchmarks.filter((b) => args.only.length === 0 || args.only.includes(b.name));
  const figures: BenchmarkFigures = {};
  for (const benchmark of selected) {
    console.log(`\n▶ ${benchmark.name}${args.quick ? ' (quick)' : ''}: ${benchmark.description}`);
    const started = Date.now();
    const result = await benchmark.run({
      quick: args.quick,
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
    `${JSON.stringify({ at: new Date().toISOString(), quick: args.quick, machine, figures }, null, 2)}\n`,
  );
  console.log(`\nwrote ${path.relative(process.cwd(), file)}`);
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
  () => {
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
