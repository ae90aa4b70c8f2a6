import type { QueryNode } from '../protocol/searchQuery';
import { analyze } from './analyzer';
import { SearchRequestError } from './indexSchema';
import { type IndexContents, textsOf, withinEdits } from './postings';

export interface QueryTerm {
  readonly field?: string;
  readonly matches: (term: string) => boolean;
}

/** The terms a query looks for, per field, to mark in highlights. */
export function queryTerms(node: QueryNode): QueryTerm[] {
  switch (node.kind) {
    case 'all':
      return [];
    case 'term':
      return [{ ...(node.field ? { field: node.field } : {}), matches: (t) => t === node.term }];
    case 'prefix':
      return [
        {
          ...(node.field ? { field: node.field } : {}),
          matches: (t) => t.startsWith(node.prefix),
        },
      ];
    case 'fuzzy':
      return [
        {
          ...(node.field ? { field: node.field } : {}),
          matches: (t) => withinEdits(t, node.term, node.distance),
        },
      ];
    case 'phrase':
      return [
        { ...(node.field ? { field: node.field } : {}), matches: (t) => node.terms.includes(t) },
      ];
    case 'bool':
      return [...node.must, ...node.should].flatMap((n) => queryTerms(n));
  }
}

/** The fragments of each highlight field with the query's terms between the tags. */
export function highlightFields(
  index: IndexContents,
  document: Record<string, unknown>,
  fields: readonly string[],
  terms: readonly QueryTerm[],
  options: { highlightPreTag: string; highlightPostTag: string },
): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const field of fields) {
    if (!index.postings.has(field))
      throw new SearchRequestError(`highlight: the field '${field}' is not searchable`);
    const wanted = terms.filter((t) => !t.field || t.field === field);
    const fragments: string[] = [];
    for (const text of textsOf(document[field])) {
      const hits = analyze(text).filter((token) => wanted.some((t) => t.matches(token.term)));
      if (hits.length === 0) continue;
      let marked = '';
      let from = 0;
      for (const hit of hits) {
        marked += `${text.slice(from, hit.start)}${options.highlightPreTag}${text.slice(hit.start, hit.end)}${options.highlightPostTag}`;
        from = hit.end;
      }
      fragments.push(marked + text.slice(from));
    }
    if (fragments.length > 0) out[field] = fragments;
  }
  return out;
}
