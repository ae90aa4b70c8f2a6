import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { buildFunctions } from '../functions/build';
import { type Benchmark, median } from './benchmark';

const run = promisify(execFile);
const repoRoot = path.resolve(__dirname, '..');

// Plays the Node.js worker's part: provides @azure/functions-core so registration really happens.
const workerStandIn = `
const Module = require('node:module');
const original = Module._load;
const core = { registerFunction: () => ({ dispose() {} }), registerHook: () => ({ dispose() {} }), setProgrammingModel() {}, log() {} };
Module._load = function (request, ...rest) { return request === '@azure/functions-core' ? core : original.call(this, request, ...rest); };
`;

/** Bytes of the entry and every chunk it imports statically: what a cold start reads before any lazy import. */
async function startupBytes(dir: string, entry: string): Promise<number> {
  const seen = new Set<string>();
  const queue = [entry];
  let bytes = 0;
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    bytes += (await stat(path.join(dir, file))).size;
    const code = await readFile(path.join(dir, file), 'utf8');
    for (const [, chunk] of code.matchAll(/(?:from|import)\s*"\.\/([\w-]+\.js)"/g))
      queue.push(chunk as string);
  }
  return bytes;
}

/** Milliseconds from the start of `import()` to the app having registered its functions. */
async function timeLoad(entry: string, preload: string): Promise<number> {
  const script = `const t=performance.now();import(${JSON.stringify(pathToFileURL(entry).href)}).then(()=>console.log(JSON.stringify({ms:performance.now()-t})))`;
  const { stdout } = await run(process.execPath, ['--require', preload, '-e', script], {
    cwd: repoRoot,
    env: { ...process.env, DataStorage: 'UseDevelopmentStorage=true' },
  });
  const line = stdout.trim().split('\n').at(-1) ?? '';
  return (JSON.parse(line) as { ms: number }).ms;
}

export const coldstartBenchmark: Benchmark = {
  name: 'coldstart',
  description: 'load time of the esbuild bundle vs the same code unbundled from node_modules',
  async run({ quick, log }) {
    const work = await mkdtemp(path.join(os.tmpdir(), 'fieldline-coldstart-'));
    // The unbundled copy lives inside the repo so that its imports resolve from node_modules.
    const unbundledDir = path.join(repoRoot, 'dist', 'coldstart-unbundled');
    try {
      const bundle = await buildFunctions({ outDir: path.join(work, 'bundle') });
      await rm(unbundledDir, { recursive: true, force: true });
      await build({
        entryPoints: [path.join(repoRoot, 'functions/src/**/*.ts')],
        outdir: unbundledDir,
        outbase: path.join(repoRoot, 'functions/src'),
        bundle: false,
        format: 'cjs',
        platform: 'node',
        target: 'node20',
        logLevel: 'warning',
      });
      const preload = path.join(work, 'worker-stand-in.cjs');
      await writeFile(preload, workerStandIn);
      const runs = quick ? 3 : 9;
      const bundled: number[] = [];
      const unbundled: number[] = [];
      for (let i = 0; i < runs; i++) {
        // Alternate, so machine noise falls on both sides alike.
        bundled.push(await timeLoad(path.join(bundle.outDir, 'index.js'), preload));
        unbundled.push(await timeLoad(path.join(unbundledDir, 'index.js'), preload));
      }
      const bundledMs = median(bundled);
      const unbundledMs = median(unbundled);
      log(
        `bundle ${bundle.javascriptBytes} bytes of JavaScript; load median ${bundledMs.toFixed(1)} ms vs ${unbundledMs.toFixed(1)} ms unbundled (${runs} runs each)`,
      );
      return {
        bundleBytes: bundle.javascriptBytes,
        startupBytes: await startupBytes(bundle.outDir, 'index.js'),
        bundledLoadMs: bundledMs,
        unbundledLoadMs: unbundledMs,
        loadSpeedup: unbundledMs / bundledMs,
      };
    } finally {
      await rm(work, { recursive: true, force: true });
      await rm(unbundledDir, { recursive: true, force: true });
    }
  },
};
