import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { AzureKeyCredential, SearchClient } from '@azure/search-documents';
import { type RunningMongo, startMongoServer } from '@fieldline/mongo-emulator';
import { type RunningSearch, startSearchServer } from '@fieldline/search-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CatalogSearch,
  CatalogStore,
  createCatalogSearch,
  createMongoDatabase,
  type Track,
} from '../../../functions/src/hosting';
import { seededRandom } from '../../../harness/random';
import { importCatalog } from '../../../tools/catalogTools/catalogImport';
import { reindexCatalog } from '../../../tools/catalogTools/catalogReindex';
import { generateTracks } from '../../../tools/catalogTools/trackGenerator';

let mongo: RunningMongo;
let searchServer: RunningSearch;
let store: CatalogStore;
let search: CatalogSearch;
let close: () => Promise<void>;
let work: string;
const logs: string[] = [];
const log = (line: string) => logs.push(line);

beforeAll(async () => {
  [mongo, searchServer] = await Promise.all([startMongoServer(0), startSearchServer(0)]);
  const database = createMongoDatabase(mongo.uri, {});
  close = () => database.close();
  store = new CatalogStore(database);
  search = createCatalogSearch({
    kind: 'apiKey',
    endpoint: searchServer.endpoint,
    apiKey: searchServer.apiKey,
  });
  work = await mkdtemp(path.join(os.tmpdir(), 'fieldline-catalog-'));
});
afterAll(async () => {
  await close?.();
  await Promise.all([mongo?.stop(), searchServer?.stop()]);
  await rm(work, { recursive: true, force: true });
});

describe('the catalog tools', () => {
  it('generates the same tracks from the same seed, all valid', () => {
    const first = [...generateTracks(50, seededRandom(7))];
    expect([...generateTracks(50, seededRandom(7))]).toEqual(first);
    expect(new Set(first.map((t) => t.id)).size).toBe(50);
    expect(first[0]).toMatchObject({ id: 'trk0000000', genres: expect.any(Array) });
  });

  it('imports JSON Lines in batches, naming rejected rows, and resumes where it stopped', async () => {
    const tracks = [...generateTracks(25, seededRandom(3))];
    const file = path.join(work, 'tracks.jsonl');
    const lines = tracks.map((t) => JSON.stringify(t));
    lines.splice(10, 0, '{"id":"bad one","title":""}', 'not json');
    await writeFile(file, `${lines.join('\n')}\n`);
    // A run that stopped after its first two batches (lines 1-10) left its progress behind.
    await writeFile(`${file}.progress`, '10');
    const summary = await importCatalog({ file, store, search, batchSize: 5, log });
    expect(summary.resumedAfter).toBe(10);
    expect(summary.imported).toBe(15);
    expect(summary.rejected).toEqual([
      { line: 11, problems: expect.arrayContaining(['id must be 1-64 letters, digits, _ or -']) },
      { line: 12, problems: ['not a JSON object'] },
    ]);
    await expect(readFile(`${file}.progress`, 'utf8')).rejects.toThrow(); // done: nothing to resume
    const again = await importCatalog({ file, store, search, batchSize: 5, restart: true, log });
    expect(again.imported).toBe(25);
    expect(
      (await search.search({ text: '*', syntax: 'simple', facets: [], top: 1, skip: 0 })).count,
    ).toBe(25);
  });

  it('imports CSV with a header and ;-separated genres', async () => {
    const file = path.join(work, 'tracks.csv');
    await writeFile(
      file,
      'id,title,artist,album,genres,year,durationSeconds,popularity\ncsv1,"Hello, World",The Commas,First,rock;indie,2001,200,10\ncsv2,Second,The Commas,,pop,1999,abc,5\n',
    );
    const summary = await importCatalog({ file, store, search, log });
    expect(summary.imported).toBe(1);
    expect(summary.rejected).toEqual([
      { line: 3, problems: ['durationSeconds must be a whole number from 1 to 21600'] },
    ]);
    expect(await store.get('csv1')).toMatchObject({
      title: 'Hello, World',
      genres: ['rock', 'indie'],
    });
  });

  it('reindex repairs documents deleted or changed behind the app’s back, pushing only those', async () => {
    const direct = new SearchClient<Track>(
      searchServer.endpoint,
      'tracks',
      new AzureKeyCredential(searchServer.apiKey),
      {
        allowInsecureConnection: true,
      },
    );
    await direct.deleteDocuments('id', ['trk0000003']);
    await direct.mergeDocuments([{ id: 'trk0000004', title: 'Changed behind our back' } as Track]);
    await direct.uploadDocuments([
      {
        id: 'stray',
        title: 'Not in the catalog',
        artist: 'x',
        album: '',
        genres: [],
        year: 2000,
        durationSeconds: 1,
        popularity: 0,
      },
    ]);
    const summary = await reindexCatalog({ store, search, pageSize: 7, log });
    expect(summary).toEqual({ catalog: 26, upserted: 2, deleted: 1 });
    expect((await direct.getDocument('trk0000003')).id).toBe('trk0000003');
    expect(((await direct.getDocument('trk0000004')) as { title: string }).title).not.toBe(
      'Changed behind our back',
    );
    expect(await reindexCatalog({ store, search, log })).toEqual({
      catalog: 26,
      upserted: 0,
      deleted: 0,
    });
  });

  it('says what is wrong with a command line, and exits 2', async () => {
    const run = promisify(execFile);
    const failed = await run(process.execPath, ['--import', 'tsx', 'tools/catalog.ts', 'import'], {
      cwd: path.resolve(__dirname, '../../..'),
    }).catch((error: { code: number; stderr: string }) => error);
    expect(failed).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/import needs a file\nusage: npm run catalog/),
    });
  });
});
