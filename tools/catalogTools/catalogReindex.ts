import type { CatalogSearch, CatalogStore, Track } from '../../functions/src/hosting';

export interface ReindexSummary {
  readonly catalog: number;
  readonly upserted: number;
  readonly deleted: number;
}

/**
 * Repairs the search index from the catalog: both are read in id order, a page at a time, and
 * only the differences are pushed: tracks missing from the index or different there are uploaded,
 * documents the catalog no longer has are deleted.
 */
export async function reindexCatalog(options: {
  readonly store: CatalogStore;
  readonly search: CatalogSearch;
  readonly pageSize?: number;
  readonly log: (line: string) => void;
}): Promise<ReindexSummary> {
  const pageSize = options.pageSize ?? 1000;
  const catalog = flatten(options.store.all(pageSize));
  const index = flatten(options.search.documents(pageSize));
  let fromCatalog = await catalog.next();
  let fromIndex = await index.next();
  const upserts: Track[] = [];
  const deletes: string[] = [];
  let seen = 0;
  let upserted = 0;
  let deleted = 0;
  const flush = async (force = false) => {
    if (upserts.length >= pageSize || (force && upserts.length > 0)) {
      await options.search.upsert(upserts.splice(0));
    }
    if (deletes.length >= pageSize || (force && deletes.length > 0)) {
      await options.search.remove(deletes.splice(0));
    }
  };
  while (!fromCatalog.done || !fromIndex.done) {
    const track = fromCatalog.done ? undefined : fromCatalog.value;
    const document = fromIndex.done ? undefined : fromIndex.value;
    if (track && (!document || track.id < document.id)) {
      upserts.push(track);
      upserted++;
      seen++;
      fromCatalog = await catalog.next();
    } else if (document && (!track || document.id < track.id)) {
      deletes.push(document.id);
      deleted++;
      fromIndex = await index.next();
    } else if (track && document) {
      if (!sameTrack(track, document)) {
        upserts.push(track);
        upserted++;
      }
      seen++;
      fromCatalog = await catalog.next();
      fromIndex = await index.next();
    }
    await flush();
    if (seen > 0 && seen % 10_000 === 0)
      options.log(`${seen} tracks compared; ${upserted} to upload, ${deleted} to delete so far`);
  }
  await flush(true);
  return { catalog: seen, upserted, deleted };
}

async function* flatten(pages: AsyncIterable<Track[]>): AsyncGenerator<Track> {
  for await (const page of pages) yield* page;
}

function sameTrack(a: Track, b: Track): boolean {
  return (
    a.title === b.title &&
    a.artist === b.artist &&
    a.album === b.album &&
    a.year === b.year &&
    a.durationSeconds === b.durationSeconds &&
    a.popularity === b.popularity &&
    a.genres.length === b.genres.length &&
    a.genres.every((g, i) => g === b.genres[i])
  );
}
