import { AppError } from '../host/appError';
import type { HttpFunctionDefinition } from '../host/functionDefinition';
import { readJsonBody } from '../host/http';
import { createRateLimiter, type RateLimiter } from '../host/rateLimiter';
import { type Caller, ownerKey } from '../identity/caller';
import { settingNames } from '../settings/settingNames';
import { readCatalogQuery } from './catalogQuery';
import type { CatalogSearch } from './catalogSearch';
import type { CatalogStore } from './catalogStore';
import { parseTrack, trackIdPattern } from './track';

export interface CatalogDeps {
  /** Absent without MONGODB_URI. */
  readonly store?: CatalogStore;
  /** Absent without SEARCH_ENDPOINT; loaded on first use. */
  readonly search?: () => Promise<CatalogSearch>;
  readonly problems?: readonly string[];
  /** Searches and suggestions per caller; by default 10 a second, bursts of 30, per instance. */
  readonly searchLimiter?: RateLimiter;
}

/**
 * The track catalog (seed 002): tracks in MongoDB, written by `Catalog.Manage` (and by
 * `npm run catalog -- import`), each write pushed to the search index; search and suggestions for
 * anyone signed in.
 */
export function createCatalogFunctions(deps: CatalogDeps): HttpFunctionDefinition[] {
  const need = <T>(part: T | undefined, setting: string): T => {
    if (part) return part;
    throw new AppError(
      'unavailable',
      deps.problems?.length
        ? `the catalog is misconfigured: ${deps.problems.join('; ')}`
        : `the catalog needs ${setting}`,
    );
  };
  // A page that searches as someone types sends a few a second; a script sends far more.
  const limiter = deps.searchLimiter ?? createRateLimiter({ perSecond: 10, burst: 30 });
  const limit = (caller: Caller | undefined) => {
    const taken = limiter.take(caller ? ownerKey(caller) : 'anonymous');
    if (!taken.ok)
      throw new AppError('too_many_requests', 'too many searches; slow down and try again', {
        headers: { 'retry-after': String(taken.retryAfterSeconds) },
      });
  };
  const routeId = (id: string | undefined) => {
    if (!id || !trackIdPattern.test(id))
      throw new AppError('validation_failed', 'the track id must be 1-64 letters, digits, _ or -');
    return id;
  };
  return [
    {
      kind: 'http',
      name: 'putTrack',
      route: 'catalog/{id}',
      methods: ['PUT'],
      access: { kind: 'roles', anyOf: ['Catalog.Manage'] },
      maxBodyBytes: 4 * 1024,
      handler: async (request) => {
        const store = need(deps.store, settingNames.mongodbUri);
        const search = await need(deps.search, settingNames.searchEndpoint)();
        const parsed = parseTrack(routeId(request.params.id), await readJsonBody(request));
        if (!parsed.ok) throw new AppError('validation_failed', parsed.problems.join('; '));
        // The catalog first: it is the source a missed index update is repaired from (reindex).
        const created = (await store.put([parsed.track], new Date())) === 1;
        await search.upsert([parsed.track]).catch((error: unknown) => {
          throw new AppError(
            'unavailable',
            `track ${parsed.track.id} is saved, but the search index could not be updated (${error instanceof Error ? error.message : String(error)}); PUT it again, or run npm run catalog -- reindex`,
          );
        });
        return { status: created ? 201 : 200, jsonBody: parsed.track };
      },
    },
    {
      kind: 'http',
      name: 'deleteTrack',
      route: 'catalog/{id}',
      methods: ['DELETE'],
      access: { kind: 'roles', anyOf: ['Catalog.Manage'] },
      handler: async (request) => {
        const store = need(deps.store, settingNames.mongodbUri);
        const search = await need(deps.search, settingNames.searchEndpoint)();
        const id = routeId(request.params.id);
        const existed = await store.delete(id);
        await search.remove([id]);
        if (!existed) throw new AppError('not_found', `there is no track ${id}`);
        return { status: 204 };
      },
    },
    {
      kind: 'http',
      name: 'searchCatalog',
      route: 'catalog/search',
      methods: ['GET'],
      access: { kind: 'signedIn' },
      handler: async (request, _context, caller) => {
        limit(caller);
        const search = await need(deps.search, settingNames.searchEndpoint)();
        const found = await search.search(readCatalogQuery(request.query));
        return {
          jsonBody: {
            '@count': found.count,
            facets: found.facets,
            hits: found.hits,
          },
        };
      },
    },
    {
      kind: 'http',
      name: 'suggestTracks',
      route: 'catalog/suggest',
      methods: ['GET'],
      access: { kind: 'signedIn' },
      handler: async (request, _context, caller) => {
        limit(caller);
        const search = await need(deps.search, settingNames.searchEndpoint)();
        const text = (request.query.get('q') ?? '').trim();
        if (text.length < 1 || text.length > 100)
          throw new AppError('validation_failed', 'q must be 1-100 characters');
        return { jsonBody: { suggestions: await search.suggest(text, 8) } };
      },
    },
  ];
}
