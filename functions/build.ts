import { copyFile, mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';

export interface FunctionBuildOptions {
  /** Where the deployable folder goes; default `dist/functions`. */
  readonly outDir?: string;
  readonly minify?: boolean;
  /**
   * The Node.js major the app runs on in Azure (24 by default, or 22): the bundle's syntax targets it. The
   * code itself is type-checked against Node 20's API (the oldest Node it runs on, locally), so it
   * calls nothing the deployed runtime lacks.
   */
  readonly nodeVersion?: '22' | '24';
}

export interface FunctionBuildResult {
  readonly outDir: string;
  /** Bytes of JavaScript the worker may load: the entry plus every lazily imported chunk. */
  readonly javascriptBytes: number;
  readonly files: readonly string[];
}

const functionsRoot = __dirname;
const repoRoot = path.resolve(functionsRoot, '..');

/**
 * Bundles the function app into a folder ready to zip: `host.json`, a `package.json` whose `main`
 * is the bundle, and the bundle itself. ES modules with code splitting keep heavy SDKs that are
 * imported with `await import()` in chunks of their own, loaded only by the functions that use them.
 */
export async function buildFunctions(
  options: FunctionBuildOptions = {},
): Promise<FunctionBuildResult> {
  const outDir = path.resolve(repoRoot, options.outDir ?? 'dist/functions');
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  await build({
    entryPoints: { index: path.join(functionsRoot, 'src/index.ts') },
    outdir: outDir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: `node${options.nodeVersion ?? '24'}`,
    minify: options.minify ?? true,
    sourcemap: 'linked',
    legalComments: 'none',
    // Provided by the Node.js worker at run time.
    external: ['@azure/functions-core'],
    // Bundled CommonJS dependencies call require(); ES modules need one made for them.
    banner: {
      js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);",
    },
    logLevel: 'warning',
  });
  await copyFile(path.join(functionsRoot, 'host.json'), path.join(outDir, 'host.json'));
  await writeFile(
    path.join(outDir, 'package.json'),
    `${JSON.stringify({ name: 'fieldline-functions', private: true, type: 'module', main: 'index.js' }, null, 2)}\n`,
  );
  const files = (await readdir(outDir)).sort();
  let javascriptBytes = 0;
  for (const file of files)
    if (file.endsWith('.js')) javascriptBytes += (await stat(path.join(outDir, file))).size;
  return { outDir, javascriptBytes, files };
}

if (require.main === module) {
  buildFunctions().then(
    ({ outDir, javascriptBytes, files }) => {
      console.log(
        `built ${path.relative(repoRoot, outDir)}: ${files.join(', ')} (${(javascriptBytes / 1024).toFixed(0)} KiB of JavaScript)`,
      );
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
