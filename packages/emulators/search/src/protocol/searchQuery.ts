import { analyze } from '../state/analyzer';

/** A parsed search expression; `field` absent means every searchable field in scope. */
export type QueryNode =
  | { readonly kind: 'all' }
  | {
      readonly kind: 'term';
      readonly field?: string;
      readonly term: string;
      readonly boost: number;
    }
  | {
      readonly kind: 'phrase';
      readonly field?: string;
      readonly terms: readonly string[];
      readonly slop: number;
      readonly boost: number;
    }
  | {
      readonly kind: 'prefix';
      readonly field?: string;
      readonly prefix: string;
      readonly boost: number;
    }
  | {
      readonly kind: 'fuzzy';
      readonly field?: string;
      readonly term: string;
      readonly distance: number;
      readonly boost: number;
    }
  | {
      readonly kind: 'bool';
      readonly must: readonly QueryNode[];
      readonly should: readonly QueryNode[];
      readonly mustNot: readonly QueryNode[];
      readonly boost: number;
    };

/** A query the service would refuse: `InvalidRequestParameter`-style, with what was wrong. */
export class QuerySyntaxError extends Error {}

type Token =
  | { readonly type: 'word'; readonly text: string; readonly at: number }
  | { readonly type: 'phrase'; readonly text: string; readonly at: number }
  | {
      readonly type: 'op';
      readonly op: 'and' | 'or' | 'not' | '+' | '-' | '(' | ')';
      readonly at: number;
    }
  | { readonly type: 'field'; readonly field: string; readonly at: number }
  | {
      readonly type: 'suffix';
      readonly suffix: '~' | '^';
      readonly value?: number;
      readonly at: number;
    };

/**
 * Parses `search` in the simple syntax (`+` and, `|` or, `-` not, `"phrases"`, `prefix*`,
 * parentheses) or the full Lucene syntax (also `field:`, `AND OR NOT && || !`, fuzzy `term~1`,
 * proximity `"a b"~2`, boosts `^2`). What Azure AI Search does not support, or this stand-in does
 * not, is refused by name: range searches (which the service takes through `$filter`), regular
 * expressions, and wildcards other than a trailing `*`.
 * https://learn.microsoft.com/azure/search/query-lucene-syntax, .../query-simple-syntax
 */
export function parseSearch(
  search: string,
  options: { readonly full: boolean; readonly all: boolean },
): QueryNode {
  const trimmed = search.trim();
  if (trimmed === '' || trimmed === '*') return { kind: 'all' };
  const tokens = tokenize(trimmed, options.full);
  let at = 0;
  const peek = () => tokens[at];
  const take = () => tokens[at++];

  const expression = (depth: number): QueryNode => {
    // OR binds loosest; AND next; without an operator, searchMode decides.
    const alternatives: QueryNode[][] = [[]];
    const prohibited: QueryNode[] = [];
    const required: QueryNode[] = [];
    let pendingAnd = false;
    for (;;) {
      const token = peek();
      if (!token || (token.type === 'op' && token.op === ')')) break;
      if (token.type === 'op' && token.op === 'or') {
        take();
        alternatives.push([]);
        pendingAnd = false;
        continue;
      }
      if (token.type === 'op' && token.op === 'and') {
        take();
        pendingAnd = true;
        continue;
      }
      let modifier: '+' | '-' | undefined;
      if (token.type === 'op' && (token.op === '+' || token.op === '-' || token.op === 'not')) {
        take();
        modifier = token.op === '+' ? '+' : '-';
      }
      const clause = primary(depth);
      if (modifier === '-') prohibited.push(clause);
      else if (modifier === '+') required.push(clause);
      else if (!options.all && !pendingAnd && (alternatives.at(-1) ?? []).length > 0)
        alternatives.push([clause]);
      else (alternatives.at(-1) as QueryNode[]).push(clause);
      pendingAnd = false;
    }
    const groups = alternatives
      .filter((group) => group.length > 0)
      .map((group) =>
        group.length === 1
          ? (group[0] as QueryNode)
          : ({ kind: 'bool', must: group, should: [], mustNot: [], boost: 1 } as const),
      );
    // The simple syntax with searchMode any reads `a -b` as a OR NOT b, as the service documents;
    // with searchMode all (and in the full syntax, as Lucene's parser) it is a AND NOT b.
    if (!options.full && !options.all && groups.length > 0 && prohibited.length > 0) {
      groups.push(
        ...prohibited.map(
          (clause): QueryNode => ({
            kind: 'bool',
            must: [],
            should: [],
            mustNot: [clause],
            boost: 1,
          }),
        ),
      );
      prohibited.length = 0;
    }
    if (required.length === 0 && prohibited.length === 0 && groups.length === 1)
      return groups[0] as QueryNode;
    return {
      kind: 'bool',
      must: required,
      should: groups,
      mustNot: prohibited,
      boost: 1,
    };
  };

  const primary = (depth: number): QueryNode => {
    const token = take();
    if (!token) throw new QuerySyntaxError('the query ends where a term was expected');
    if (token.type === 'field') {
      const inner = primary(depth);
      return withField(inner, token.field);
    }
    if (token.type === 'op' && token.op === '(') {
      if (depth > 32) throw new QuerySyntaxError('the query nests parentheses too deeply');
      const inner = expression(depth + 1);
      const close = take();
      if (close?.type !== 'op' || close.op !== ')')
        throw new QuerySyntaxError(`a parenthesis opened at ${token.at + 1} is not closed`);
      return withSuffixes(inner);
    }
    if (token.type === 'word') return withSuffixes(wordNode(token.text, token.at));
    if (token.type === 'phrase') {
      const terms = analyze(token.text).map((t) => t.term);
      return withSuffixes({ kind: 'phrase', terms, slop: 0, boost: 1 });
    }
    throw new QuerySyntaxError(
      `unexpected ${token.type === 'op' ? `operator ${token.op.toUpperCase()}` : token.type} at position ${token.at + 1}`,
    );
  };

  const wordNode = (text: string, position: number): QueryNode => {
    if (/[?]/.test(text) || (text.includes('*') && !/^[^*]+\*$/.test(text)))
      throw new QuerySyntaxError(
        `wildcard "${text}" at position ${position + 1}: only a trailing * (prefix search) is supported here`,
      );
    if (text.endsWith('*')) {
      const prefix = text.slice(0, -1).toLowerCase();
      return { kind: 'prefix', prefix, boost: 1 };
    }
    const terms = analyze(text).map((t) => t.term);
    if (terms.length === 0) return { kind: 'bool', must: [], should: [], mustNot: [], boost: 1 };
    if (terms.length === 1) return { kind: 'term', term: terms[0] as string, boost: 1 };
    return { kind: 'phrase', terms, slop: 0, boost: 1 };
  };

  const withSuffixes = (node: QueryNode): QueryNode => {
    let result = node;
    for (;;) {
      const token = peek();
      if (token?.type !== 'suffix') return result;
      take();
      if (token.suffix === '^') {
        if (result.kind === 'all') continue;
        result = { ...result, boost: token.value ?? 1 };
      } else if (result.kind === 'term') {
        const distance = token.value ?? 2;
        if (distance > 2)
          throw new QuerySyntaxError('fuzzy search allows an edit distance of at most 2');
        result = { kind: 'fuzzy', term: result.term, distance, boost: result.boost };
      } else if (result.kind === 'phrase') result = { ...result, slop: token.value ?? 0 };
      else
        throw new QuerySyntaxError(
          `~ at position ${token.at + 1} follows neither a term nor a phrase`,
        );
    }
  };

  const node = expression(0);
  const rest = peek();
  if (rest) throw new QuerySyntaxError(`unexpected ) at position ${rest.at + 1}`);
  return node;
}

function withField(node: QueryNode, field: string): QueryNode {
  switch (node.kind) {
    case 'all':
      return node;
    case 'bool':
      return {
        ...node,
        must: node.must.map((n) => withField(n, field)),
        should: node.should.map((n) => withField(n, field)),
        mustNot: node.mustNot.map((n) => withField(n, field)),
      };
    default:
      return node.field ? node : { ...node, field };
  }
}

function tokenize(text: string, full: boolean): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const isSpace = (c: string | undefined) => c !== undefined && /\s/.test(c);
  while (i < text.length) {
    const c = text[i] as string;
    if (isSpace(c)) {
      i++;
      continue;
    }
    const at = i;
    if (c === '"') {
      const end = text.indexOf('"', i + 1);
      if (end < 0)
        throw new QuerySyntaxError(`a phrase opened at position ${at + 1} is not closed`);
      tokens.push({ type: 'phrase', text: text.slice(i + 1, end), at });
      i = end + 1;
      continue;
    }
    if (c === '(' || c === ')') {
      tokens.push({ type: 'op', op: c, at });
      i++;
      continue;
    }
    if (c === '+' || c === '-' || c === '!') {
      // An operator before a term; `a + b` in the simple syntax is AND between them.
      if (full && c === '!') tokens.push({ type: 'op', op: 'not', at });
      else if (c === '+' && isSpace(text[i + 1])) tokens.push({ type: 'op', op: 'and', at });
      else if (c !== '!') tokens.push({ type: 'op', op: c, at });
      i++;
      continue;
    }
    if (c === '|' || (full && text.startsWith('||', i))) {
      tokens.push({ type: 'op', op: 'or', at });
      i += text.startsWith('||', i) ? 2 : 1;
      continue;
    }
    if (full && text.startsWith('&&', i)) {
      tokens.push({ type: 'op', op: 'and', at });
      i += 2;
      continue;
    }
    if (full && (c === '[' || c === '{'))
      throw new QuerySyntaxError(
        `range search at position ${at + 1} is not supported by Azure AI Search: filter with $filter (for example year ge 2000 and year le 2010)`,
      );
    if (full && c === '/')
      throw new QuerySyntaxError(
        `regular expression search at position ${at + 1} is not supported here`,
      );
    if (full && (c === '~' || c === '^')) {
      const number = /^\d+(?:\.\d+)?/.exec(text.slice(i + 1))?.[0];
      tokens.push({ type: 'suffix', suffix: c, ...(number ? { value: Number(number) } : {}), at });
      i += 1 + (number?.length ?? 0);
      continue;
    }
    let end = i;
    while (end < text.length) {
      const ch = text[end] as string;
      if (isSpace(ch) || '()"|'.includes(ch) || (full && '~^'.includes(ch))) break;
      if (full && ch === '\\') {
        end += 2;
        continue;
      }
      if (full && ch === ':') break;
      end++;
    }
    const word = text.slice(i, end).replace(/\\(.)/g, '$1');
    i = end;
    if (full && text[i] === ':') {
      i++;
      tokens.push({ type: 'field', field: word, at });
      continue;
    }
    if (full && (word === 'AND' || word === 'OR' || word === 'NOT'))
      tokens.push({ type: 'op', op: word.toLowerCase() as 'and' | 'or' | 'not', at });
    else if (word !== '') tokens.push({ type: 'word', text: word, at });
  }
  return tokens;
}
