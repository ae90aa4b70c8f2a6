import type http from 'node:http';
import { sendJson } from '@fieldline/emulator-kit';
import { parseSearch } from '../protocol/searchQuery';
import { type SearchIndex, SearchRequestError } from '../state/searchIndex';
import { body, integer, list } from './requests';

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

/** `docs/search.index`: a batch of upload, merge, mergeOrUpload and delete actions (207 when some fail). */
export async function indexDocuments(
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

/** `docs/search.post.search`: the simple and full Lucene syntax, filters, ordering, paging, facets, highlights. */
export async function search(
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
  if (facets !== undefined && (!Array.isArray(facets) || facets.some((f) => typeof f !== 'string')))
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

/** `docs/search.post.suggest`. */
export async function suggest(
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
