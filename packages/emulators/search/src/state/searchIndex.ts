import { type Document, parseFilter } from '../protocol/searchFilter';
import type { QueryNode } from '../protocol/searchQuery';
import { analyze } from './analyzer';
import { countFacets } from './facets';
import { highlightFields, queryTerms } from './highlights';
import {
  type FieldDefinition,
  type IndexDefinition,
  SearchRequestError,
  selectFields,
} from './indexSchema';
import { orderMatches } from './ordering';
import { type IndexContents, type Postings, textsOf } from './postings';
import { evaluate } from './queryEvaluation';
import { type SuggestOptions, suggest } from './suggest';

export {
  checkIndexDefinition,
  type FieldDefinition,
  type IndexDefinition,
  SearchRequestError,
} from './indexSchema';

export interface SearchOptions {
  readonly query: QueryNode;
  readonly searchFields?: readonly string[];
  readonly filter?: string;
  readonly orderby?: string;
  readonly top: number;
  readonly skip: number;
  readonly facets?: readonly string[];
  readonly highlight?: readonly string[];
  readonly highlightPreTag: string;
  readonly highlightPostTag: string;
  readonly select?: readonly string[];
}

export interface SearchResult {
  readonly count: number;
  readonly facets?: Record<string, { value: unknown; count: number }[]>;
  readonly hits: Record<string, unknown>[];
}

/**
 * One index in memory: its documents, and an inverted index (with positions, for phrases) per
 * searchable field. Scores are TF-IDF with length norms, Lucene's classic similarity, so the order of
 * results is sensible but not Azure's BM25 numbers.
 */
export class SearchIndex implements IndexContents {
  readonly documents = new Map<string, Record<string, unknown>>();
  readonly postings = new Map<string, Postings>();
  readonly fields: Map<string, FieldDefinition>;
  readonly key: string;

  constructor(readonly definition: IndexDefinition) {
    this.fields = new Map(definition.fields.map((f) => [f.name, f]));
    this.key = (definition.fields.find((f) => f.key) as FieldDefinition).name;
    for (const field of definition.fields)
      if (field.searchable) this.postings.set(field.name, { terms: new Map(), lengths: new Map() });
  }

  get size(): number {
    return this.documents.size;
  }

  keys(): string[] {
    return [...this.documents.keys()];
  }

  get(key: string): Record<string, unknown> | undefined {
    return this.documents.get(key);
  }

  /** Applies one `@search.action`; returns the HTTP status the service gives that document. */
  apply(action: string, document: Record<string, unknown>): { status: number; error?: string } {
    const key = document[this.key];
    if (typeof key !== 'string' || !/^[A-Za-z0-9_\-=]{1,1024}$/.test(key))
      return {
        status: 400,
        error: `the key field '${this.key}' must be letters, digits, _, - or =`,
      };
    const { '@search.action': _, ...fields } = document;
    for (const name of Object.keys(fields))
      if (!this.fields.has(name))
        return {
          status: 400,
          error: `the document has a field '${name}' the index does not define`,
        };
    const existing = this.documents.get(key);
    switch (action) {
      case 'delete':
        if (existing) this.remove(key);
        return { status: 200 };
      case 'merge':
        if (!existing) return { status: 404, error: `document '${key}' was not found` };
        this.store(key, { ...existing, ...fields });
        return { status: 200 };
      case 'mergeOrUpload':
        this.store(key, { ...(existing ?? {}), ...fields });
        return { status: existing ? 200 : 201 };
      case 'upload':
        this.store(key, fields);
        return { status: existing ? 200 : 201 };
      default:
        return { status: 400, error: `unknown @search.action '${action}'` };
    }
  }

  private store(key: string, document: Record<string, unknown>): void {
    if (this.documents.has(key)) this.remove(key);
    this.documents.set(key, document);
    for (const [field, postings] of this.postings) {
      const tokens = textsOf(document[field]).flatMap((text, i) =>
        analyze(text).map((t) => ({ ...t, position: t.position + i * 100 })),
      );
      postings.lengths.set(key, tokens.length);
      for (const token of tokens) {
        let docs = postings.terms.get(token.term);
        if (!docs) {
          docs = new Map();
          postings.terms.set(token.term, docs);
        }
        const positions = docs.get(key) ?? [];
        positions.push(token.position);
        docs.set(key, positions);
      }
    }
  }

  private remove(key: string): void {
    const document = this.documents.get(key);
    if (!document) return;
    for (const [field, postings] of this.postings) {
      postings.lengths.delete(key);
      for (const text of textsOf(document[field]))
        for (const token of analyze(text)) {
          const docs = postings.terms.get(token.term);
          docs?.delete(key);
          if (docs?.size === 0) postings.terms.delete(token.term);
        }
    }
    this.documents.delete(key);
  }

  search(options: SearchOptions): SearchResult {
    const scope = options.searchFields ?? [...this.postings.keys()];
    for (const field of scope)
      if (!this.postings.has(field))
        throw new SearchRequestError(`searchFields: the field '${field}' is not searchable`);
    const scores = evaluate(this, options.query, scope);
    const filter = options.filter
      ? parseFilter(options.filter, (name) => this.fields.get(name)?.filterable === true)
      : undefined;
    let matches = [...scores].filter(
      ([key]) => !filter || filter(this.documents.get(key) as Document),
    );
    matches = orderMatches(this, matches, options.orderby);
    const facets = options.facets
      ? countFacets(
          this,
          matches.map(([key]) => key),
          options.facets,
        )
      : undefined;
    const page = matches.slice(options.skip, options.skip + options.top);
    const terms = queryTerms(options.query);
    const hits = page.map(([key, score]) => {
      const document = this.documents.get(key) as Record<string, unknown>;
      const selected = selectFields(this.definition, document, options.select);
      const highlights = options.highlight
        ? highlightFields(this, document, options.highlight, terms, options)
        : undefined;
      return {
        '@search.score': score,
        ...(highlights && Object.keys(highlights).length > 0
          ? { '@search.highlights': highlights }
          : {}),
        ...selected,
      };
    });
    return { count: matches.length, ...(facets ? { facets } : {}), hits };
  }

  /** Suggestions: documents with a word in a source field starting with the text's last word. */
  suggest(options: SuggestOptions): Record<string, unknown>[] {
    return suggest(this, options);
  }
}
