import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { zipSync } from 'fflate';
import { buildDashboard } from '../dashboard/build';
import { buildFunctions } from '../functions/build';
import { defaultNodeVersion, type NodeVersion } from './stageConfig';

export const repoRoot = path.resolve(__dirname, '..');

/** Every file below `dir`, as sorted relative paths with their bytes. */
async function readTree(dir: string, prefix = ''): Promise<[string, Buffer][]> {
  const entries = await readdir(path.join(dir, prefix), { withFileTypes: true });
  const nested = await Promise.all(
    entries.map(async (entry): Promise<[string, Buffer][]> => {
      const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory()) return readTree(dir, relative);
      return [[relative, await readFile(path.join(dir, relative))]];
    }),
  );
  return nested.flat().sort(([a], [b]) => a.localeCompare(b));
}

/** SHA-256 over names and contents: the same files always give the same hash, whatever their timestamps. */
export function contentHash(files: readonly [string, Buffer][]): string {
  const hash = createHash('sha256');
  for (const [name, bytes] of files) hash.update(name).update('\0').update(bytes).update('\0');
  return hash.digest('hex');
}

/** Builds the function app and zips `dist/functions/` for One Deploy, with a content hash. */
export async function packageFunctions(
  root = repoRoot,
  nodeVersion: NodeVersion = defaultNodeVersion,
): Promise<{ zipPath: string; contentHash: string }> {
  const { outDir } = await buildFunctions({
    outDir: path.join(root, 'dist/functions'),
    nodeVersion,
  });
  const files = await readTree(outDir);
  // A fixed timestamp keeps the zip byte-identical when the content is.
  const mtime = new Date('2020-01-01T00:00:00Z');
  const zip = zipSync(
    Object.fromEntries(files.map(([name, bytes]) => [name, [new Uint8Array(bytes), { mtime }]])),
    { level: 6 },
  );
  const zipPath = path.join(root, 'dist/functions.zip');
  await writeFile(zipPath, zip);
  return { zipPath, contentHash: contentHash(files) };
}

/** Builds the dashboard for upload, with a content hash. */
export async function packageDashboard(
  root = repoRoot,
): Promise<{ sourceDir: string; contentHash: string }> {
  const sourceDir = await buildDashboard(root);
  return { sourceDir, contentHash: contentHash(await readTree(sourceDir)) };
}
