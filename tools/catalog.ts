import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  CatalogStore,
  createCatalogSearch,
  createMongoDatabase,
  type SearchConfig,
} from '../functions/src/hosting';
import { seededRandom } from '../harness/random';
import { importCatalog } from './catalogTools/catalogImport';
import { reindexCatalog } from './catalogTools/catalogReindex';
import { generateTracks } from './catalogTools/trackGenerator';
import { readOptions } from './cliArgs';
import type { LocalEndpoints } from './localEndpoints';

const usage =
  'npm run catalog -- generate [--tracks 100000] [--seed 1] [--out .fieldline/catalog.jsonl] [--no-import] | ' +
  'import <file.jsonl|file.csv> [--batch 500] [--restart] | reindex ' +
  '[--mongodb-uri mongodb://...] [--search-endpoint https://<service>.search.windows.net]';

/**
 * `npm run catalog`: makes sample tracks, imports a catalog file, or repairs the search index from
 * the catalog. Against the running local cloud by default (`.fieldline/local.json`); against a
 * stage with `--mongodb-uri` and `--search-endpoint` (signed in as `az login` is, which needs
 * Search Index Data Contributor).
 */
async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  const file = rest[0] && !rest[0].startsWith('--') ? rest.shift() : undefined;
  const read = readOptions(
    rest,
    {
      tracks: 'number',
      seed: 'number',
      out: 'string',
      'no-import': 'boolean',
      batch: 'number',
      restart: 'boolean',
      'mongodb-uri': 'string',
      'search-endpoint': 'string',
    },
    usage,
  );
  if ('problem' in read) return fail(read.problem);
  const options = read.values;
  if (!['generate', 'import', 'reindex'].includes(command ?? ''))
    return fail(`say what to do: generate, import or reindex\nusage: ${usage}`);
  if (command === 'import' && !file) return fail(`import needs a file\nusage: ${usage}`);

  const local = options['mongodb-uri']
    ? undefined
    : await readFile(path.resolve('.fieldline/local.json'), 'utf8')
        .then((text) => JSON.parse(text) as LocalEndpoints)
        .catch(() => undefined);
  const mongodbUri = options['mongodb-uri'] ?? local?.mongodbUri ?? undefined;
  const search: SearchConfig | undefined = options['search-endpoint']
    ? { kind: 'identity', endpoint: options['search-endpoint'] }
    : local?.search
      ? { kind: 'apiKey', endpoint: local.search.endpoint, apiKey: local.search.apiKey }
      : undefined;
  if (!mongodbUri || !search)
    return fail(
      'no catalog to work on: start the local cloud (npm start) or pass --mongodb-uri and --search-endpoint',
    );
  const database = createMongoDatabase(mongodbUri, {});
  const store = new CatalogStore(database);
  const index = createCatalogSearch(search);
  const log = (line: string) => console.log(line);
  try {
    if (command === 'reindex') {
      const summary = await reindexCatalog({ store, search: index, log });
      log(
        `reindex: ${summary.catalog} tracks in the catalog; uploaded ${summary.upserted}, deleted ${summary.deleted}`,
      );
      return 0;
    }
    let source = file as string;
    if (command === 'generate') {
      const count = options.tracks ?? 100_000;
      source = path.resolve(options.out ?? '.fieldline/catalog.jsonl');
      await mkdir(path.dirname(source), { recursive: true });
      const out = createWriteStream(source);
      for (const track of generateTracks(count, seededRandom(options.seed ?? 1)))
        if (!out.write(`${JSON.stringify(track)}\n`)) await once(out, 'drain');
      out.end();
      await once(out, 'finish');
      log(`wrote ${count} tracks to ${source}`);
      if (options['no-import']) return 0;
    }
    const summary = await importCatalog({
      file: source,
      store,
      search: index,
      ...(options.batch ? { batchSize: options.batch } : {}),
      ...(options.restart ? { restart: true } : {}),
      log,
    });
    log(`import: ${summary.imported} imported, ${summary.rejected.length} rejected`);
    for (const { line, problems } of summary.rejected.slice(0, 20))
      log(`  line ${line}: ${problems.join('; ')}`);
    if (summary.rejected.length > 20) log(`  … and ${summary.rejected.length - 20} more`);
    return summary.rejected.length > 0 ? 1 : 0;
  } finally {
    await database.close();
  }
}

function fail(message: string): number {
  console.error(message);
  return 2;
}

if (require.main === module)
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : String(error));
      process.exit(1);
    },
  );
