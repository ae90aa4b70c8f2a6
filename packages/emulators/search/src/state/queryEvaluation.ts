import type { QueryNode } from '../protocol/searchQuery';
import { SearchRequestError } from './indexSchema';
import { type IndexContents, type Postings, withinEdits } from './postings';

/** Scores every document a query matches: TF-IDF with length norms, Lucene's classic similarity. */
export function evaluate(
  index: IndexContents,
  node: QueryNode,
  scope: readonly string[],
): Map<string, number> {
  const fieldsOf = (field?: string) => {
    if (!field) return scope;
    if (!index.postings.has(field))
      throw new SearchRequestError(
        index.fields.has(field)
          ? `the field '${field}' is not searchable`
          : `the index has no field '${field}'`,
      );
    return [field];
  };
  switch (node.kind) {
    case 'all':
      return new Map([...index.documents.keys()].map((key) => [key, 1]));
    case 'term':
      return matchTerms(index, fieldsOf(node.field), (term) => term === node.term, node.boost);
    case 'prefix':
      return matchTerms(
        index,
        fieldsOf(node.field),
        (term) => term.startsWith(node.prefix),
        node.boost,
      );
    case 'fuzzy':
      return matchTerms(
        index,
        fieldsOf(node.field),
        (term) => withinEdits(term, node.term, node.distance),
        node.boost,
      );
    case 'phrase':
      return matchPhrase(index, fieldsOf(node.field), node.terms, node.slop, node.boost);
    case 'bool': {
      const must = node.must.map((n) => evaluate(index, n, scope));
      const should = node.should.map((n) => evaluate(index, n, scope));
      const mustNot = node.mustNot.map((n) => evaluate(index, n, scope));
      let candidates: Set<string>;
      if (must.length > 0) {
        candidates = new Set((must[0] as Map<string, number>).keys());
        for (const m of must.slice(1))
          for (const key of candidates) if (!m.has(key)) candidates.delete(key);
      } else if (should.length > 0) {
        candidates = new Set(should.flatMap((s) => [...s.keys()]));
      } else candidates = new Set(index.documents.keys());
      for (const m of mustNot) for (const key of m.keys()) candidates.delete(key);
      const scores = new Map<string, number>();
      for (const key of candidates) {
        let score = 0;
        for (const m of [...must, ...should]) score += m.get(key) ?? 0;
        scores.set(key, (score || 1) * node.boost);
      }
      return scores;
    }
  }
}

function matchTerms(
  index: IndexContents,
  fields: readonly string[],
  matches: (term: string) => boolean,
  boost: number,
): Map<string, number> {
  const scores = new Map<string, number>();
  const total = Math.max(1, index.documents.size);
  for (const field of fields) {
    const postings = index.postings.get(field) as Postings;
    for (const [term, docs] of postings.terms) {
      if (!matches(term)) continue;
      const idf = 1 + Math.log(total / (docs.size + 1));
      for (const [key, positions] of docs) {
        const norm = 1 / Math.sqrt(postings.lengths.get(key) ?? 1);
        const score = Math.sqrt(positions.length) * idf * idf * norm * boost;
        scores.set(key, (scores.get(key) ?? 0) + score);
      }
    }
  }
  return scores;
}

function matchPhrase(
  index: IndexContents,
  fields: readonly string[],
  terms: readonly string[],
  slop: number,
  boost: number,
): Map<string, number> {
  if (terms.length === 0) return new Map();
  if (terms.length === 1) return matchTerms(index, fields, (term) => term === terms[0], boost);
  const scores = new Map<string, number>();
  for (const field of fields) {
    const postings = index.postings.get(field) as Postings;
    const lists = terms.map((term) => postings.terms.get(term));
    if (lists.some((list) => !list)) continue;
    const [first, ...rest] = lists as Map<string, number[]>[];
    for (const [key, starts] of first as Map<string, number[]>) {
      const found = starts.some((start) =>
        rest.every((list, i) =>
          (list.get(key) ?? []).some((p) => Math.abs(p - (start + i + 1)) <= slop),
        ),
      );
      if (found) scores.set(key, (scores.get(key) ?? 0) + terms.length * boost);
    }
  }
  return scores;
}
