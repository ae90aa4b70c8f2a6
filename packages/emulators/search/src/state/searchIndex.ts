import { type Document, parseFilter } from '../protocol/searchFilter';
import type { QueryNode } from '../protocol/searchQuery';
import { analyze } from './analyzer';

export interface FieldDefinition {
  readonly name: string;
  readonly type: string;
  readonly key?: boolean;
  readonly searchable?: boolean;
  readonly filterable?: boolean;
  readonly sortable?: boolean;
  readonly facetable?: boolean;
  readonly retrievable?: boolean;
  readonly analyzer?: string | null;
}

export interface IndexDefinition {
  readonly name: string;
  readonly fields: readonly FieldDefinition[];
  readonly suggesters?: readonly { name: string; searchMode?: string; sourceFields: string[] }[];
  readonly [other: string]: unknown;
}

/** A request the service refuses (400), with what was wrong; `code` as the service names it. */
export class SearchRequestError extends Error {
  constructor(
    message: string,
    readonly status = 400,
    readonly code = 'InvalidRequestParameter',
  ) {
    super(message);
  }
}

const supportedTypes = new Set([
  'Edm.String',
  'Edm.Int32',
  'Edm.Int64',
  'Edm.Double',
  'Edm.Boolean',
  'Edm.DateTimeOffset',
  'Collection(Edm.String)',
  'Collection(Edm.Int32)',
]);

/** Checks an index definition as the service would, naming each problem. */
export function checkIndexDefinition(definition: IndexDefinition): string[] {
  const problems: string[] = [];
  if (!/^[a-z0-9][a-z0-9-]{0,127}$/.test(definition.name ?? ''))
    problems.push('the index name must be lower-case letters, digits and dashes');
  const fields = Array.isArray(definition.fields) ? definition.fields : [];
  const keys = fields.filter((f) => f.key);
  if (keys.length !== 1 || keys[0]?.type !== 'Edm.String')
    problems.push('the index must have exactly one key field, of type Edm.String');
  for (const field of fields) {
    if (!supportedTypes.has(field.type))
      problems.push(`field '${field.name}': type ${field.type} is not supported by this stand-in`);
    if (field.searchable && !field.type.endsWith('Edm.String)') && field.type !== 'Edm.String')
      problems.push(`field '${field.name}': only string fields can be searchable`);
    if (field.analyzer && !['standard.lucene', 'standard'].includes(field.analyzer))
      problems.push(
        `field '${field.name}': analyzer ${field.analyzer} is not supported by this stand-in (standard.lucene is)`,
      );
    if (field.type.startsWith('Collection(') && field.sortable)
      problems.push(`field '${field.name}': collections cannot be sortable`);
  }
  for (const suggester of definition.suggesters ?? [])
    for (const source of suggester.sourceFields ?? [])
      if (!fields.some((f) => f.name === source && f.searchable))
        problems.push(
          `suggester '${suggester.name}': source field '${source}' must be a searchable field`,
        );
  return problems;
}

interface Postings {
  /** term -> document key -> positions */
  readonly terms: Map<string, Map<string, number[]>>;
  readonly lengths: Map<string, number>;
}

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
export class SearchIndex {
  private readonly documents = new Map<string, Record<string, unknown>>();
  private readonly postings = new Map<string, Postings>();
  private readonly fields: Map<string, FieldDefinition>;
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
    const scores = this.evaluate(options.query, scope);
    const filter = options.filter
      ? parseFilter(options.filter, (name) => this.fields.get(name)?.filterable === true)
      : undefined;
    let matches = [...scores].filter(
      ([key]) => !filter || filter(this.documents.get(key) as Document),
    );
    matches = this.order(matches, options.orderby);
    const facets = options.facets
      ? this.facets(
          matches.map(([key]) => key),
          options.facets,
        )
      : undefined;
    const page = matches.slice(options.skip, options.skip + options.top);
    const terms = this.queryTerms(options.query);
    const hits = page.map(([key, score]) => {
      const document = this.documents.get(key) as Record<string, unknown>;
      const selected = this.select(document, options.select);
      const highlights = options.highlight
        ? this.highlights(document, options.highlight, terms, options)
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
  suggest(options: {
    readonly search: string;
    readonly suggesterName: string;
    readonly filter?: string;
    readonly select?: readonly string[];
    readonly top: number;
  }): Record<string, unknown>[] {
    const suggester = this.definition.suggesters?.find((s) => s.name === options.suggesterName);
    if (!suggester)
      throw new SearchRequestError(`the index has no suggester named '${options.suggesterName}'`);
    const words = analyze(options.search).map((t) => t.term);
    if (options.search.trim().length < 1 || words.length === 0)
      throw new SearchRequestError('suggest needs search text of at least one character');
    const filter = options.filter
      ? parseFilter(options.filter, (name) => this.fields.get(name)?.filterable === true)
      : undefined;
    const last = words.at(-1) as string;
    const before = words.slice(0, -1);
    const results: Record<string, unknown>[] = [];
    for (const [key, document] of this.documents) {
      if (filter && !filter(document)) continue;
      const text = suggester.sourceFields
        .flatMap((field) => textsOf(document[field]))
        .find((value) => {
          const terms = analyze(value).map((t) => t.term);
          return (
            before.every((word) => terms.includes(word)) && terms.some((t) => t.startsWith(last))
          );
        });
      if (text === undefined) continue;
      results.push({
        '@search.text': text,
        [this.key]: key,
        ...this.select(document, options.select),
      });
      if (results.length >= options.top) break;
    }
    return results;
  }

  private select(document: Record<string, unknown>, select?: readonly string[]) {
    const names = select && select.length > 0 && select[0] !== '*' ? select : undefined;
    const out: Record<string, unknown> = {};
    for (const field of this.definition.fields) {
      if (field.retrievable === false) continue;
      if (names && !names.includes(field.name)) continue;
      out[field.name] = document[field.name] ?? null;
    }
    return out;
  }

  private evaluate(node: QueryNode, scope: readonly string[]): Map<string, number> {
    const fieldsOf = (field?: string) => {
      if (!field) return scope;
      if (!this.postings.has(field))
        throw new SearchRequestError(
          this.fields.has(field)
            ? `the field '${field}' is not searchable`
            : `the index has no field '${field}'`,
        );
      return [field];
    };
    switch (node.kind) {
      case 'all':
        return new Map([...this.documents.keys()].map((key) => [key, 1]));
      case 'term':
        return this.matchTerms(fieldsOf(node.field), (term) => term === node.term, node.boost);
      case 'prefix':
        return this.matchTerms(
          fieldsOf(node.field),
          (term) => term.startsWith(node.prefix),
          node.boost,
        );
      case 'fuzzy':
        return this.matchTerms(
          fieldsOf(node.field),
          (term) => withinEdits(term, node.term, node.distance),
          node.boost,
        );
      case 'phrase':
        return this.matchPhrase(fieldsOf(node.field), node.terms, node.slop, node.boost);
      case 'bool': {
        const must = node.must.map((n) => this.evaluate(n, scope));
        const should = node.should.map((n) => this.evaluate(n, scope));
        const mustNot = node.mustNot.map((n) => this.evaluate(n, scope));
        let candidates: Set<string>;
        if (must.length > 0) {
          candidates = new Set((must[0] as Map<string, number>).keys());
          for (const m of must.slice(1))
            for (const key of candidates) if (!m.has(key)) candidates.delete(key);
        } else if (should.length > 0) {
          candidates = new Set(should.flatMap((s) => [...s.keys()]));
        } else candidates = new Set(this.documents.keys());
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

  private matchTerms(
    fields: readonly string[],
    matches: (term: string) => boolean,
    boost: number,
  ): Map<string, number> {
    const scores = new Map<string, number>();
    const total = Math.max(1, this.documents.size);
    for (const field of fields) {
      const postings = this.postings.get(field) as Postings;
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

  private matchPhrase(
    fields: readonly string[],
    terms: readonly string[],
    slop: number,
    boost: number,
  ): Map<string, number> {
    if (terms.length === 0) return new Map();
    if (terms.length === 1) return this.matchTerms(fields, (term) => term === terms[0], boost);
    const scores = new Map<string, number>();
    for (const field of fields) {
      const postings = this.postings.get(field) as Postings;
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

  private order(matches: [string, number][], orderby?: string): [string, number][] {
    const clauses = (orderby ?? '')
      .split(',')
      .map((c) => c.trim())
      .filter((c) => c !== '')
      .map((clause) => {
        const [name = '', direction = 'asc', extra] = clause.split(/\s+/);
        if (extra !== undefined || !['asc', 'desc'].includes(direction))
          throw new SearchRequestError(`$orderby: '${clause}' must be a field and asc or desc`);
        if (name !== 'search.score()' && this.fields.get(name)?.sortable !== true)
          throw new SearchRequestError(`$orderby: the field '${name}' is not sortable`);
        return { name, sign: direction === 'desc' ? -1 : 1 };
      });
    if (clauses.length > 32) throw new SearchRequestError('$orderby takes at most 32 clauses');
    const by = [...clauses, { name: 'search.score()', sign: -1 }];
    return matches.sort((a, b) => {
      for (const { name, sign } of by) {
        const x = name === 'search.score()' ? a[1] : this.documents.get(a[0])?.[name];
        const y = name === 'search.score()' ? b[1] : this.documents.get(b[0])?.[name];
        if (x === y) continue;
        // Nulls sort first ascending, as the service does.
        if (x === null || x === undefined) return -sign;
        if (y === null || y === undefined) return sign;
        return ((x as number) < (y as number) ? -1 : 1) * sign;
      }
      return a[0].localeCompare(b[0]);
    });
  }

  private facets(keys: readonly string[], specs: readonly string[]) {
    const result: Record<string, { value: unknown; count: number }[]> = {};
    for (const spec of specs) {
      const [name = '', ...params] = spec.split(',').map((p) => p.trim());
      if (this.fields.get(name)?.facetable !== true)
        throw new SearchRequestError(`facet: the field '${name}' is not facetable`);
      let count = 10;
      let sortByValue = false;
      for (const param of params) {
        const [option, value] = param.split(':');
        if (option === 'count' && Number.isInteger(Number(value)) && Number(value) > 0)
          count = Number(value);
        else if (
          option === 'sort' &&
          (value === 'value' || value === '-value' || value === 'count' || value === '-count')
        )
          sortByValue = value === 'value';
        else
          throw new SearchRequestError(
            `facet '${spec}': ${param} is not supported here (count:N and sort:value are)`,
          );
      }
      const counts = new Map<unknown, number>();
      for (const key of keys) {
        const value = this.documents.get(key)?.[name];
        for (const item of Array.isArray(value) ? value : [value])
          if (item !== null && item !== undefined) counts.set(item, (counts.get(item) ?? 0) + 1);
      }
      result[name] = [...counts]
        .sort((a, b) =>
          sortByValue
            ? (a[0] as number) < (b[0] as number)
              ? -1
              : 1
            : b[1] - a[1] || String(a[0]).localeCompare(String(b[0])),
        )
        .slice(0, count)
        .map(([value, n]) => ({ value, count: n }));
    }
    return result;
  }

  private queryTerms(node: QueryNode): { field?: string; matches: (term: string) => boolean }[] {
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
        return [...node.must, ...node.should].flatMap((n) => this.queryTerms(n));
    }
  }

  private highlights(
    document: Record<string, unknown>,
    fields: readonly string[],
    terms: { field?: string; matches: (term: string) => boolean }[],
    options: { highlightPreTag: string; highlightPostTag: string },
  ): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const field of fields) {
      if (!this.postings.has(field))
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
}

function textsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

/** Damerau-free Levenshtein distance ≤ max, stopping early. */
function withinEdits(a: string, b: string, max: number): boolean {
  if (Math.abs(a.length - b.length) > max) return false;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const value = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + cost,
      );
      current.push(value);
      best = Math.min(best, value);
    }
    if (best > max) return false;
    previous = current;
  }
  return (previous[b.length] as number) <= max;
}
