import type {
  SearchClient,
  SearchIndexClient,
  SearchOptions,
  SuggestOptions,
} from '@azure/search-documents';
import { AppError } from '../host/appError';
import { backoffDelay, sleep } from '../host/backoff';
import { appIdentity } from '../host/identityCredential';
import { lazy } from '../host/lazy';
import type { SearchConfig } from '../settings/config';
import { dataPlaneVersions } from '../settings/dataPlaneVersions';
import type { Track } from './track';
import { trackSuggester, tracksIndex, tracksIndexName } from './tracksIndex';

export interface TrackHit {
  readonly score: number;
  readonly highlights?: Record<string, string[]>;
  readonly track: Track;
}

export interface CatalogSearchResult {
  readonly count: number;
  readonly facets: Record<string, { value: unknown; count: number }[]>;
  readonly hits: TrackHit[];
}

export interface CatalogSearchQuery {
  readonly text: string;
  readonly syntax: 'simple' | 'full';
  readonly filter?: string;
  readonly facets: readonly string[];
  readonly orderby?: readonly string[];
  readonly top: number;
  readonly skip: number;
}

/** The app's side of Azure AI Search: the `tracks` index, kept in step with the catalog. */
export interface CatalogSearch {
  /** Creates or updates the index definition where the app may (locally); idempotent, once per instance. */
  ensureIndex(): Promise<void>;
  upsert(tracks: readonly Track[]): Promise<void>;
  remove(ids: readonly string[]): Promise<void>;
  search(query: CatalogSearchQuery): Promise<CatalogSearchResult>;
  suggest(
    text: string,
    top: number,
  ): Promise<{ text: string; track: Pick<Track, 'id' | 'title' | 'artist' | 'durationSeconds'> }[]>;
  /** Every indexed document's id and content, a page at a time (for the reindex). */
  documents(pageSize: number): AsyncIterable<Track[]>;
}

/**
 * Talks to the service through `@azure/search-documents` (loaded on first use): with an API key
 * locally, with the app's managed identity in Azure (keys are disabled there). Writes are retried
 * on throttling (429, 503), and by the SDK on network failures and server errors; a request the service refuses (400) becomes a
 * `validation_failed` naming the problem, as the service words it.
 */
export function createCatalogSearch(config: SearchConfig): CatalogSearch {
  const clients = lazy(async () => {
    const search = await import('@azure/search-documents');
    const credential =
      config.kind === 'apiKey'
        ? new search.AzureKeyCredential(config.apiKey)
        : await appIdentity(config.clientId);
    // Plain HTTP only for the local stand-in on loopback. The SDK retries network failures and 5xx
    // itself; a few times, so that an unreachable service is reported within seconds.
    const options = {
      serviceVersion: dataPlaneVersions.search,
      allowInsecureConnection: config.endpoint.startsWith('http://'),
      retryOptions: { maxRetries: 2, retryDelayInMs: 500, maxRetryDelayInMs: 4_000 },
    };
    return {
      index: new search.SearchIndexClient(
        config.endpoint,
        credential,
        options,
      ) as SearchIndexClient,
      tracks: new search.SearchClient<Track>(
        config.endpoint,
        tracksIndexName,
        credential,
        options,
      ) as SearchClient<Track>,
    };
  });
  // Against the local stand-in (an admin key) the app makes its index. In Azure the deployment
  // does (infra SearchService), and the app's identity may only read and write documents.
  const ensured = lazy(async () => {
    if (config.kind === 'apiKey') await (await clients()).index.createOrUpdateIndex(tracksIndex);
  });
  // Throttling is retried here too, with longer waits: the service asks for it under load.
  const transient = (error: unknown) => {
    const status = (error as { statusCode?: number }).statusCode;
    return status === 429 || status === 503;
  };
  const write = async <T>(action: (client: SearchClient<Track>) => Promise<T>) => {
    await ensured();
    const { tracks } = await clients();
    for (let attempt = 0; ; attempt++) {
      try {
        return await action(tracks);
      } catch (error) {
        if (attempt >= 4 || !transient(error)) throw error;
        await sleep(backoffDelay(attempt, { baseMs: 200, capMs: 5_000 }));
      }
    }
  };
  const refused = (error: unknown): never => {
    const status = (error as { statusCode?: number }).statusCode;
    if (status === 400)
      throw new AppError(
        'validation_failed',
        `the search service refused the query: ${(error as Error).message}`,
      );
    throw error;
  };
  return {
    ensureIndex: () => ensured(),
    async upsert(tracks) {
      if (tracks.length > 0)
        await write((client) =>
          client.mergeOrUploadDocuments([...tracks], { throwOnAnyFailure: true }),
        );
    },
    async remove(ids) {
      if (ids.length > 0)
        await write((client) =>
          client.deleteDocuments('id', [...ids], { throwOnAnyFailure: true }),
        );
    },
    async search(query) {
      await ensured();
      const { tracks } = await clients();
      const options: SearchOptions<Track> = {
        queryType: query.syntax,
        searchMode: 'all',
        includeTotalCount: true,
        top: query.top,
        skip: query.skip,
        highlightFields: 'title,artist,album',
        ...(query.filter ? { filter: query.filter } : {}),
        ...(query.facets.length > 0 ? { facets: [...query.facets] } : {}),
        ...(query.orderby ? { orderBy: [...query.orderby] } : {}),
      };
      const found = await tracks.search(query.text, options).catch(refused);
      const hits: TrackHit[] = [];
      for await (const hit of found.results) {
        hits.push({
          score: hit.score,
          ...(hit.highlights ? { highlights: hit.highlights } : {}),
          track: hit.document,
        });
        if (hits.length >= query.top) break;
      }
      return {
        count: found.count ?? hits.length,
        facets: (found.facets ?? {}) as CatalogSearchResult['facets'],
        hits,
      };
    },
    async suggest(text, top) {
      await ensured();
      const { tracks } = await clients();
      const options: SuggestOptions<Track> = {
        top,
        select: ['id', 'title', 'artist', 'durationSeconds'],
      };
      const found = await tracks.suggest(text, trackSuggester, options).catch(refused);
      // The SDK types a selection field by field; the service returns the selected fields together.
      return found.results.map((s) => ({
        text: s.text,
        track: s.document as Pick<Track, 'id' | 'title' | 'artist' | 'durationSeconds'>,
      }));
    },
    async *documents(pageSize) {
      await ensured();
      const { tracks } = await clients();
      // Ordered by id, a page at a time, so that a long index is never held whole.
      let after = '';
      for (;;) {
        const page = await tracks.search('*', {
          top: pageSize,
          orderBy: ['id asc'],
          ...(after ? { filter: `id gt '${after.replaceAll("'", "''")}'` } : {}),
        });
        const batch: Track[] = [];
        for await (const hit of page.results) batch.push(hit.document);
        if (batch.length === 0) return;
        yield batch;
        after = (batch.at(-1) as Track).id;
      }
    },
  };
}
