import { randomBytes, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import { BodyTooLargeError, close, listen, readBody, sendJson } from '@fieldline/emulator-kit';
import { FilterSyntaxError } from './protocol/searchFilter';
import { parseSearch, QuerySyntaxError } from './protocol/searchQuery';
import {
  checkIndexDefinition,
  type IndexDefinition,
  SearchIndex,
  SearchRequestError,
} from './state/searchIndex';

export interface RunningSearch {
  readonly port: number;
  readonly endpoint: string;
  /** The admin key, sent as `api-key`. */
  readonly apiKey: string;
  stop(): Promise<void>;
}

const apiVersion = '2024-07-01';
// Search parameters the service has that this stand-in does not; a request using one is refused by name.
const unsupportedSearchParameters = [
  'scoringProfile',
  'scoringParameters',
  'scoringStatistics',
  'semanticConfiguration',
  'semanticQuery',
  'vectorQueries',
  'vectorFilterMode',
  'answers',
  'captions',
  'minimumCoverage',
  'queryLanguage',
  'speller',
];

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

  const server = http.createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (error instanceof SearchRequestError)
        fail(response, error.status, error.code, error.message);
      else if (error instanceof QuerySyntaxError || error instanceof FilterSyntaxError)
        fail(response, 400, 'InvalidRequestParameter', error.message);
      else if (error instanceof BodyTooLargeError)
        fail(response, 413, 'RequestEntityTooLarge', error.message);
      else fail(response, 500, 'InternalServerError', 'the search stand-in failed; see its log');
    });
  });

  function fail(response: http.ServerResponse, status: number, code: string, message: string) {
    sendJson(response, status, { error: { code, message } });
  }

  async function body(request: http.IncomingMessage): Promise<Record<string, unknown>> {
    const text = (await readBody(request, 16 * 1024 * 1024)).toString('utf8');
    try {
      const parsed = JSON.parse(text === '' ? '{}' : text) as unknown;
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error();
      return parsed as Record<string, unknown>;
    } catch {
      throw new SearchRequestError('the body must be a JSON object', 400, 'InvalidRequestBody');
    }
  }

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
      if (method === 'POST') return putIndex(request, response, undefined);
      return fail(response, 405, 'MethodNotAllowed', `${method} is not allowed on /indexes`);
    }
    if (docs === undefined && !path.endsWith('/docs')) {
      if (method === 'GET') return sendJson(response, 200, indexNamed(name).definition);
      if (method === 'PUT') return putIndex(request, response, name);
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

  async function putIndex(
    request: http.IncomingMessage,
    response: http.ServerResponse,
    name: string | undefined,
  ) {
    const definition = (await body(request)) as unknown as IndexDefinition;
    if (name !== undefined && definition.name !== name)
      throw new SearchRequestError(
        `the index name in the body (${definition.name}) must be ${name}`,
      );
    const problems = checkIndexDefinition(definition);
    if (problems.length > 0) throw new SearchRequestError(problems.join('; '));
    const existing = indexes.get(definition.name);
    if (existing && name === undefined)
      throw new SearchRequestError(
        `an index named '${definition.name}' already exists`,
        409,
        'ResourceNameAlreadyInUse',
      );
    if (existing) {
      // As the service: fields may be added, not changed or removed.
      for (const field of existing.definition.fields) {
        const now = definition.fields.find((f) => f.name === field.name);
        if (
          !now ||
          now.type !== field.type ||
          Boolean(now.key) !== Boolean(field.key) ||
          Boolean(now.searchable) !== Boolean(field.searchable)
        )
          throw new SearchRequestError(
            `the index '${definition.name}' cannot change or remove the existing field '${field.name}'; delete and recreate it`,
          );
      }
    }
    const stored = { ...definition, '@odata.etag': `"0x${Date.now().toString(16)}"` };
    const index = new SearchIndex(stored);
    if (existing)
      for (const key of existing.keys())
        index.apply('upload', existing.get(key) as Record<string, unknown>);
    indexes.set(definition.name, index);
    sendJson(response, existing ? 200 : 201, stored);
  }

  async function indexDocuments(
    request: http.IncomingMessage,
    response: http.ServerResponse,
    index: SearchIndex,
  ) {
    const { value } = await body(request);
    if (!Array.isArray(value) || value.length === 0 || value.length > 32_000)
      throw new SearchRequestError('the batch must have 1 to 32,000 actions in value');
    const results = value.map((item: Record<string, unknown>) => {
      const action = String(item['@search.action'] ?? 'upload');
      const outcome = index.apply(action, item);
      return {
        key: item[index.key] ?? null,
        status: outcome.status < 300,
        errorMessage: outcome.error ?? null,
        statusCode: outcome.status,
      };
    });
    sendJson(response, results.every((r) => r.status) ? 200 : 207, { value: results });
  }

  function list(value: unknown, name: string): string[] | undefined {
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string')
      throw new SearchRequestError(`${name} must be a comma-separated string`);
    return value
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== '');
  }

  function integer(value: unknown, name: string, fallback: number, max: number): number {
    if (value === undefined || value === null) return fallback;
    if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > max)
      throw new SearchRequestError(`${name} must be a whole number from 0 to ${max}`);
    return value as number;
  }

  async function search(
    request: http.IncomingMessage,
    response: http.ServerResponse,
    index: SearchIndex,
  ) {
    const parameters = await body(request);
    for (const name of unsupportedSearchParameters)
      if (parameters[name] !== undefined && parameters[name] !== null)
        throw new SearchRequestError(
          `the search parameter '${name}' is not supported by the stand-in`,
          400,
          'OperationNotSupported',
        );
    const queryType = String(parameters.queryType ?? 'simple');
    if (queryType !== 'simple' && queryType !== 'full')
      throw new SearchRequestError(
        `queryType '${queryType}' is not supported by the stand-in (simple and full are)`,
        400,
        'OperationNotSupported',
      );
    const searchMode = String(parameters.searchMode ?? 'any');
    if (searchMode !== 'any' && searchMode !== 'all')
      throw new SearchRequestError('searchMode must be any or all');
    const query = parseSearch(String(parameters.search ?? '*'), {
      full: queryType === 'full',
      all: searchMode === 'all',
    });
    const searchFields = list(parameters.searchFields, 'searchFields');
    const highlight = list(parameters.highlight, 'highlight');
    const select = list(parameters.select, 'select');
    const facets = parameters.facets;
    if (
      facets !== undefined &&
      (!Array.isArray(facets) || facets.some((f) => typeof f !== 'string'))
    )
      throw new SearchRequestError('facets must be a list of strings');
    const result = index.search({
      query,
      ...(searchFields ? { searchFields } : {}),
      ...(typeof parameters.filter === 'string' && parameters.filter !== ''
        ? { filter: parameters.filter }
        : {}),
      ...(typeof parameters.orderby === 'string' ? { orderby: parameters.orderby } : {}),
      top: integer(parameters.top, 'top', 50, 1000),
      skip: integer(parameters.skip, 'skip', 0, 100_000),
      ...(facets ? { facets: facets as string[] } : {}),
      ...(highlight ? { highlight } : {}),
      highlightPreTag: String(parameters.highlightPreTag ?? '<em>'),
      highlightPostTag: String(parameters.highlightPostTag ?? '</em>'),
      ...(select ? { select } : {}),
    });
    sendJson(response, 200, {
      ...(parameters.count === true ? { '@odata.count': result.count } : {}),
      ...(result.facets ? { '@search.facets': result.facets } : {}),
      value: result.hits,
    });
  }

  async function suggest(
    request: http.IncomingMessage,
    response: http.ServerResponse,
    index: SearchIndex,
  ) {
    const parameters = await body(request);
    if (parameters.fuzzy === true)
      throw new SearchRequestError(
        'fuzzy suggestions are not supported by the stand-in',
        400,
        'OperationNotSupported',
      );
    const select = list(parameters.select, 'select');
    const value = index.suggest({
      search: String(parameters.search ?? ''),
      suggesterName: String(parameters.suggesterName ?? ''),
      ...(typeof parameters.filter === 'string' && parameters.filter !== ''
        ? { filter: parameters.filter }
        : {}),
      ...(select ? { select } : {}),
      top: integer(parameters.top, 'top', 5, 100),
    });
    sendJson(response, 200, { value });
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
