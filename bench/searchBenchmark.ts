import { AzureKeyCredential, SearchClient, SearchIndexClient } from '@azure/search-documents';
import { startSearchServer } from '@fieldline/search-emulator';
import type { Track } from '../functions/src/catalog/track';
import { tracksIndex, tracksIndexName } from '../functions/src/catalog/tracksIndex';
import { seededRandom } from '../harness/random';
import { generateTracks } from '../tools/catalogTools/trackGenerator';
import { type Benchmark, type BenchmarkFigures, median, percentile } from './benchmark';

/**
 * The catalog's search on the local stand-in, through `@azure/search-documents` as the app uses
 * it: 100,000 generated tracks indexed in batches of 1,000, then a mix of simple, full-Lucene and
 * filtered queries. What local users feel, not what Azure AI Search does: the stand-in is an
 * in-memory index in this process. The baseline, from the same run, scans the same tracks in
 * memory for the simple queries' words (what a search without an index costs).
 */
export const searchBenchmark: Benchmark = {
  name: 'search',
  description:
    'index 100,000 generated tracks on the search stand-in, then 300 mixed queries (quick: 10,000 and 60)',
  async run({ quick, log }): Promise<BenchmarkFigures> {
    const count = quick ? 10_000 : 100_000;
    const rounds = quick ? 20 : 100;
    const server = await startSearchServer(0);
    try {
      const credential = new AzureKeyCredential(server.apiKey);
      const options = { allowInsecureConnection: true };
      await new SearchIndexClient(server.endpoint, credential, options).createOrUpdateIndex(
        tracksIndex,
      );
      const client = new SearchClient<Track>(server.endpoint, tracksIndexName, credential, options);
      const tracks = [...generateTracks(count, seededRandom(1))];
      const started = performance.now();
      for (let i = 0; i < tracks.length; i += 1000)
        await client.mergeOrUploadDocuments(tracks.slice(i, i + 1000), { throwOnAnyFailure: true });
      const indexSeconds = (performance.now() - started) / 1000;
      log(`indexed ${count} tracks in ${indexSeconds.toFixed(1)} s`);

      const random = seededRandom(5);
      const sample = () => tracks[Math.floor(random() * tracks.length)] as Track;
      const word = (text: string) => (text.split(' ')[0] ?? text).toLowerCase();
      const times = {
        simple: [] as number[],
        full: [] as number[],
        filtered: [] as number[],
        scan: [] as number[],
      };
      let hits = 0;
      const timed = async (
        kind: keyof typeof times,
        text: string,
        opts: Parameters<SearchClient<Track>['search']>[1],
      ) => {
        const at = performance.now();
        const found = await client.search(text, { top: 20, includeTotalCount: true, ...opts });
        for await (const _ of found.results) hits++;
        times[kind].push(performance.now() - at);
      };
      for (let round = 0; round < rounds; round++) {
        const track = sample();
        const prefix = word(track.title).slice(0, 4);
        await timed('simple', `${prefix}*`, {});
        const artistWord = word(track.artist.replace(/^The /, ''));
        await timed('full', `artist:${artistWord} AND title:${word(track.title)}~1`, {
          queryType: 'full',
        });
        await timed('filtered', word(track.title), {
          filter: `year ge ${track.year - 5} and year le ${track.year + 5} and genres/any(g: g eq '${track.genres[0]}')`,
          facets: ['genres'],
          orderBy: ['popularity desc'],
        });
        // The baseline: the same prefix found by scanning every track's words.
        const at = performance.now();
        let matched = 0;
        for (const candidate of tracks)
          if (
            `${candidate.title} ${candidate.artist} ${candidate.album}`
              .toLowerCase()
              .split(' ')
              .some((w) => w.startsWith(prefix))
          )
            matched++;
        times.scan.push(performance.now() - at);
        if (matched === 0) log(`no track starts with ${prefix}`);
      }
      const all = [...times.simple, ...times.full, ...times.filtered];
      log(
        `queries: p50 ${percentile(all, 50).toFixed(1)} ms, p99 ${percentile(all, 99).toFixed(1)} ms; ${hits} hits read`,
      );
      return {
        tracks: count,
        indexDocsPerSecond: Math.round(count / indexSeconds),
        queryP50Ms: Number(percentile(all, 50).toFixed(2)),
        queryP99Ms: Number(percentile(all, 99).toFixed(2)),
        simpleP50Ms: Number(median(times.simple).toFixed(2)),
        fullP50Ms: Number(median(times.full).toFixed(2)),
        filteredP50Ms: Number(median(times.filtered).toFixed(2)),
        scanP50Ms: Number(median(times.scan).toFixed(2)),
        /** How much faster the index finds a prefix than scanning the tracks (same run). */
        prefixSpeedupVsScan: Number((median(times.scan) / median(times.simple)).toFixed(2)),
      };
    } finally {
      await server.stop();
    }
  },
};
