import { AppError } from '../host/appError';
import { buildCatalogFilter } from './catalogFilter';
import type { CatalogSearchQuery } from './catalogSearch';

const rangeFields = new Set(['year', 'popularity', 'durationSeconds']);
const facetFields = new Set(['genres', 'year']);
const sortFields = new Set(['year', 'popularity']);
const range = /\b([A-Za-z]+):([[{])\s*(\*|-?\d+)\s+TO\s+(\*|-?\d+)\s*([\]}])/g;

/**
 * `GET /api/catalog/search`'s parameters, checked, as a query for the index. In the full syntax a
 * range (`year:[2000 TO 2010]`) is taken out of the text and added to the filter: Azure AI Search
 * does not run Lucene range searches ("except for range searches, which are constructed through
 * $filter expressions", learn.microsoft.com/azure/search/query-lucene-syntax), so fieldline
 * translates the ones it can: on year, popularity or durationSeconds, joined to the rest by AND.
 */
export function readCatalogQuery(query: URLSearchParams): CatalogSearchQuery {
  const syntax = query.get('syntax') ?? 'simple';
  if (syntax !== 'simple' && syntax !== 'full')
    throw new AppError('validation_failed', 'syntax must be simple or full');
  let text = (query.get('q') ?? '*').trim() || '*';
  if (text.length > 1000)
    throw new AppError('validation_failed', 'q must be at most 1,000 characters');
  const filters: string[] = [];
  const given = query.get('filter')?.trim();
  // Rebuilt from the fields and operators the catalog allows, never passed through as sent.
  if (given) filters.push(`(${buildCatalogFilter(given)})`);
  if (syntax === 'full') refuseCostlyTerms(text);
  if (syntax === 'full' && range.test(text)) {
    range.lastIndex = 0;
    if (/\bOR\b|\|\||\bNOT\b|!|(^|\s)-|[()]/.test(text.replace(range, '')))
      throw new AppError(
        'validation_failed',
        'a range such as year:[2000 TO 2010] can only be joined to the rest of the query with AND',
      );
    for (const [, field = '', open, low = '*', high = '*', close] of text.matchAll(range)) {
      if (!rangeFields.has(field))
        throw new AppError(
          'validation_failed',
          `ranges work on ${[...rangeFields].join(', ')}; ${field} is not one of them`,
        );
      if (low !== '*') filters.push(`${field} ${open === '[' ? 'ge' : 'gt'} ${low}`);
      if (high !== '*') filters.push(`${field} ${close === ']' ? 'le' : 'lt'} ${high}`);
    }
    text =
      text
        .replace(range, ' ')
        .replace(/\b(AND|&&)(\s+(AND|&&))+\b/g, 'AND')
        .replace(/^\s*(AND|&&)\b|\b(AND|&&)\s*$/g, '')
        .trim() || '*';
  }
  const facets = query.getAll('facets');
  for (const facet of facets)
    if (!facetFields.has(facet.split(',')[0] ?? ''))
      throw new AppError(
        'validation_failed',
        `facets must name one of ${[...facetFields].join(', ')}`,
      );
  const orderby = query.get('orderby')?.trim();
  if (orderby) {
    for (const clause of orderby.split(',')) {
      const [field = '', direction = 'asc'] = clause.trim().split(/\s+/);
      if (!sortFields.has(field) || !['asc', 'desc'].includes(direction))
        throw new AppError(
          'validation_failed',
          `orderby is ${[...sortFields].join(' or ')} followed by asc or desc, comma-separated`,
        );
    }
  }
  const integer = (name: string, fallback: number, max: number) => {
    const raw = query.get(name);
    if (raw === null) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0 || value > max)
      throw new AppError('validation_failed', `${name} must be a whole number from 0 to ${max}`);
    return value;
  };
  return {
    text,
    syntax,
    ...(filters.length > 0 ? { filter: filters.join(' and ') } : {}),
    facets,
    ...(orderby ? { orderby: orderby.split(',').map((c) => c.trim()) } : {}),
    top: Math.max(1, integer('top', 20, 50)),
    skip: integer('skip', 0, 1000),
  };
}

/** Regular expressions and leading wildcards longer than this are refused: each scans the index. */
export const maxCostlyTermLength = 32;

/**
 * Refuses the full-syntax terms that make the service walk every term of the index: a regular
 * expression (`/.../`) or a term starting with a wildcard (`*ing`, `?ing`), over 32 characters.
 * https://learn.microsoft.com/azure/search/query-lucene-syntax#bkmk_regex
 */
function refuseCostlyTerms(text: string): void {
  for (const [, body = ''] of text.matchAll(/(?:^|[\s(:])\/((?:[^/\\]|\\.)*)\//g))
    if (body.length > maxCostlyTermLength)
      throw new AppError(
        'validation_failed',
        `a regular expression in q may be at most ${maxCostlyTermLength} characters`,
      );
  for (const [term = ''] of text.matchAll(/(?<=^|[\s(:])[*?][^\s)]*/g))
    if (term.length > maxCostlyTermLength)
      throw new AppError(
        'validation_failed',
        `a term starting with a wildcard may be at most ${maxCostlyTermLength} characters`,
      );
}
