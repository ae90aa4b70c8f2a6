import { randomBytes, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import { close, listen, sendJson, serviceRequestListener } from '@fieldline/emulator-kit';
import { indexDocuments, search, suggest } from './handlers/documentsApi';
import { putIndex } from './handlers/indexApi';
import { fail } from './handlers/requests';
import { FilterSyntaxError } from './protocol/searchFilter';
import { QuerySyntaxError } from './protocol/searchQuery';
import { type SearchIndex, SearchRequestError } from './state/searchIndex';

export interface RunningSearch {
  readonly port: number;
  readonly endpoint: string;
  /** The admin key, sent as `api-key`. */
  readonly apiKey: string;
  stop(): Promise<void>;
}

const apiVersion = '2024-07-01';

/**
 * A stand-in for Azure AI Search's data plane (api-version 2024-07-01) with api-key auth, for
 * `@azure/search-documents`: index create, get, list and delete; `docs/search.index` (upload,
 * merge, mergeOrUpload, delete); search in the simple and full Lucene syntax with `$filter`,
 * `$orderby`, `$top`, `$skip`, `$count`, facets and highlights; suggest; document lookup and count.
 * Anything else is answered in the service's error shape, naming what is not supported.
 * https://learn.microsoft.com/rest/api/searchservice/
 */
export async function startSearchServer(
  port: number,
  options: { readonly apiKey?: string } = {},
): Promise<RunningSearch> {
  const apiKey = options.apiKey ?? randomBytes(24).toString('base64url');
  const indexes = new Map<string, SearchIndex>();

  const server = http.createServer(
    serviceRequestListener(handle, {
      send: (response, error) => fail(response, error.status, error.code, error.message),
      classify: (thrown) =>
        thrown instanceof SearchRequestError
          ? { status: thrown.status, code: thrown.code, message: thrown.message }
          : thrown instanceof QuerySyntaxError || thrown instanceof FilterSyntaxError
            ? { status: 400, code: 'InvalidRequestParameter', message: thrown.message }
            : undefined,
      internal: {
        status: 500,
        code: 'InternalServerError',
        message: 'the search stand-in failed; see its log',
      },
    }),
  );

  function keyMatches(presented: string | undefined): boolean {
    const a = Buffer.from(presented ?? '');
    const b = Buffer.from(apiKey);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  function indexNamed(name: string): SearchIndex {
    const index = indexes.get(name);
    if (!index)
      throw new SearchRequestError(
        `No index with the name '${name}' was found`,
        404,
        'ResourceNotFound',
      );
    return index;
  }

  async function handle(request: http.IncomingMessage, response: http.ServerResponse) {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const header = request.headers['api-key'];
    if (!keyMatches(Array.isArray(header) ? header[0] : header))
      return fail(response, 403, 'Forbidden', 'send the admin key in the api-key header');
    if (url.searchParams.get('api-version') !== apiVersion)
      return fail(
        response,
        400,
        'InvalidApiVersionParameter',
        `api-version must be ${apiVersion}; got ${url.searchParams.get('api-version') ?? 'none'}`,
      );
    // `/indexes('tracks')/docs/...` as the SDK writes it, or `/indexes/tracks/docs/...`.
    const path = decodeURIComponent(url.pathname).replace(/^\/indexes\('([^']*)'\)/, '/indexes/$1');
    const match = /^\/indexes(?:\/([^/]+)(?:\/docs(?:\/(.*)|(\('.*'\)))?)?)?$/.exec(path);
    if (!match) return fail(response, 404, 'ResourceNotFound', `no route for ${url.pathname}`);
    const [, name, operationPath, lookupPath] = match;
    const docs = operationPath ?? lookupPath;
    const method = request.method ?? 'GET';
    if (!name) {
      if (method === 'GET')
        return sendJson(response, 200, { value: [...indexes.values()].map((i) => i.definition) });
      if (method === 'POST') return putIndex(indexes, request, response, undefined);
      return fail(response, 405, 'MethodNotAllowed', `${method} is not allowed on /indexes`);
    }
    if (docs === undefined && !path.endsWith('/docs')) {
      if (method === 'GET') return sendJson(response, 200, indexNamed(name).definition);
      if (method === 'PUT') return putIndex(indexes, request, response, name);
      if (method === 'DELETE') {
        if (!indexes.delete(name)) indexNamed(name);
        response.writeHead(204).end();
        return;
      }
      return fail(response, 405, 'MethodNotAllowed', `${method} is not allowed on an index`);
    }
    const index = indexNamed(name);
    const operation = docs ?? '';
    if (operation === 'search.index' && method === 'POST')
      return indexDocuments(request, response, index);
    if (operation === 'search.post.search' && method === 'POST')
      return search(request, response, index);
    if (operation === 'search.post.suggest' && method === 'POST')
      return suggest(request, response, index);
    if (operation === '$count' && method === 'GET') {
      response.writeHead(200, { 'content-type': 'text/plain' }).end(String(index.size));
      return;
    }
    const lookup = /^\('(.*)'\)$/.exec(operation) ?? /^(?!search)([^/]+)$/.exec(operation);
    if (lookup && method === 'GET') {
      const document = index.get(lookup[1] ?? '');
      if (!document)
        return fail(response, 404, 'ResourceNotFound', `document '${lookup[1]}' was not found`);
      return sendJson(response, 200, document);
    }
    return fail(
      response,
      400,
      'OperationNotSupported',
      `${method} docs${operation ? `/${operation}` : ''} is not supported by the stand-in (search, suggest, index, lookup and $count are)`,
    );
  }

  const boundPort = await listen(server, port, 'search');
  const endpoint = `http://127.0.0.1:${boundPort}`;
  return {
    port: boundPort,
    endpoint,
    apiKey,
    stop: () => close(server),
  };
}
