/** A `$filter` the service would refuse, with what was wrong. */
export class FilterSyntaxError extends Error {}

export type Document = Readonly<Record<string, unknown>>;
export type Predicate = (document: Document) => boolean;

type Token =
  | { readonly type: 'name'; readonly text: string; readonly at: number }
  | { readonly type: 'string'; readonly value: string; readonly at: number }
  | { readonly type: 'number'; readonly value: number; readonly at: number }
  | { readonly type: 'punct'; readonly text: string; readonly at: number };

const comparisons = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);

/**
 * Parses an OData `$filter` as Azure AI Search takes it: comparisons (`eq ne gt ge lt le`) of a
 * field with a literal, `and`, `or`, `not`, parentheses, `search.in(field, 'a,b'[, ','])`, and
 * `any()` over a collection (`genres/any(g: g eq 'rock')`, or `genres/any()` for a non-empty one).
 * `filterable(field)` says which fields may be used. Anything else is refused by name.
 * https://learn.microsoft.com/azure/search/search-query-odata-filter
 */
export function parseFilter(text: string, filterable: (field: string) => boolean): Predicate {
  const tokens = tokenize(text);
  let at = 0;
  const peek = () => tokens[at];
  const take = () => tokens[at++];
  const isName = (token: Token | undefined, name: string) =>
    token?.type === 'name' && token.text === name;
  const expect = (punct: string) => {
    const token = take();
    if (token?.type !== 'punct' || token.text !== punct)
      throw new FilterSyntaxError(
        `expected '${punct}' ${token ? `at position ${token.at + 1}` : 'at the end'} of the filter`,
      );
  };

  /** Variables bound by `any(x: ...)`, mapped to the element they stand for. */
  const orExpression = (scope: ReadonlySet<string>): ((doc: Document, vars: Vars) => boolean) => {
    let left = andExpression(scope);
    while (isName(peek(), 'or')) {
      take();
      const right = andExpression(scope);
      const l = left;
      left = (doc, vars) => l(doc, vars) || right(doc, vars);
    }
    return left;
  };
  const andExpression = (scope: ReadonlySet<string>) => {
    let left = unary(scope);
    while (isName(peek(), 'and')) {
      take();
      const right = unary(scope);
      const l = left;
      left = (doc, vars) => l(doc, vars) && right(doc, vars);
    }
    return left;
  };
  const unary = (scope: ReadonlySet<string>): ((doc: Document, vars: Vars) => boolean) => {
    if (isName(peek(), 'not')) {
      take();
      const inner = unary(scope);
      return (doc, vars) => !inner(doc, vars);
    }
    return primary(scope);
  };
  const primary = (scope: ReadonlySet<string>): ((doc: Document, vars: Vars) => boolean) => {
    const token = take();
    if (!token) throw new FilterSyntaxError('the filter ends where an expression was expected');
    if (token.type === 'punct' && token.text === '(') {
      const inner = orExpression(scope);
      expect(')');
      return inner;
    }
    if (token.type !== 'name')
      throw new FilterSyntaxError(`unexpected ${describe(token)} at position ${token.at + 1}`);
    if (token.text === 'true' || token.text === 'false') {
      const value = token.text === 'true';
      return () => value;
    }
    if (token.text === 'search.in') {
      expect('(');
      const target = operand(take(), scope);
      expect(',');
      const list = take();
      if (list?.type !== 'string')
        throw new FilterSyntaxError('search.in takes a field and a string of values');
      let separators = ' ,';
      if (peek()?.type === 'punct' && (peek() as { text: string }).text === ',') {
        take();
        const given = take();
        if (given?.type !== 'string')
          throw new FilterSyntaxError('search.in: the separators must be a string');
        separators = given.value;
      }
      expect(')');
      const values = new Set(
        list.value.split(new RegExp(`[${escapeClass(separators)}]`)).filter((v) => v !== ''),
      );
      return (doc, vars) => {
        const value = target(doc, vars);
        return typeof value === 'string' && values.has(value);
      };
    }
    if (token.text.startsWith('search.'))
      throw new FilterSyntaxError(`the filter function ${token.text} is not supported here`);
    if (token.text.startsWith('geo.'))
      throw new FilterSyntaxError(`the filter function ${token.text} is not supported here`);
    // A field path, perhaps a collection with any()/all().
    const [head, lambda] = token.text.split('/') as [string, string | undefined];
    if (lambda !== undefined) {
      if (lambda === 'all')
        throw new FilterSyntaxError('all() is not supported here; use not any()');
      if (lambda !== 'any') throw new FilterSyntaxError(`unknown collection operator ${lambda}`);
      if (!scope.has(head) && !filterable(head))
        throw new FilterSyntaxError(`the field '${head}' is not filterable`);
      expect('(');
      if (peek()?.type === 'punct' && (peek() as { text: string }).text === ')') {
        take();
        return (doc) => Array.isArray(doc[head]) && (doc[head] as unknown[]).length > 0;
      }
      const variable = take();
      if (variable?.type !== 'name')
        throw new FilterSyntaxError("any() needs a variable, as in any(g: g eq 'rock')");
      expect(':');
      const body = orExpression(new Set([...scope, variable.text]));
      expect(')');
      return (doc, vars) => {
        const items = doc[head];
        return (
          Array.isArray(items) &&
          items.some((item) => body(doc, new Map([...vars, [variable.text, item]])))
        );
      };
    }
    at--;
    const left = operand(take(), scope);
    const op = take();
    if (op?.type !== 'name' || !comparisons.has(op.text))
      throw new FilterSyntaxError(
        `expected a comparison (eq ne gt ge lt le) ${op ? `at position ${op.at + 1}` : 'at the end'}`,
      );
    const right = operand(take(), scope);
    return (doc, vars) => compare(left(doc, vars), op.text, right(doc, vars));
  };

  const operand = (token: Token | undefined, scope: ReadonlySet<string>) =>
    operandOf(token, scope, filterable);

  const body = orExpression(new Set());
  const rest = peek();
  if (rest) throw new FilterSyntaxError(`unexpected ${describe(rest)} at position ${rest.at + 1}`);
  return (document) => body(document, new Map());
}

/** A comparison's side: a literal, a variable bound by `any()`, or a filterable field. */
function operandOf(
  token: Token | undefined,
  scope: ReadonlySet<string>,
  filterable: (field: string) => boolean,
): (doc: Document, vars: Vars) => unknown {
  if (!token) throw new FilterSyntaxError('the filter ends where a value was expected');
  if (token.type === 'string' || token.type === 'number') {
    const value = token.value;
    return () => value;
  }
  if (token.type === 'name') {
    if (token.text === 'null') return () => null;
    if (token.text === 'true' || token.text === 'false') {
      const value = token.text === 'true';
      return () => value;
    }
    if (scope.has(token.text)) {
      const name = token.text;
      return (_doc, vars) => vars.get(name);
    }
    if (!filterable(token.text))
      throw new FilterSyntaxError(`the field '${token.text}' is not filterable`);
    const field = token.text;
    return (doc) => doc[field] ?? null;
  }
  throw new FilterSyntaxError(`unexpected ${describe(token)} at position ${token.at + 1}`);
}

type Vars = ReadonlyMap<string, unknown>;

function compare(left: unknown, op: string, right: unknown): boolean {
  if (op === 'eq') return left === right;
  if (op === 'ne') return left !== right;
  if (left === null || right === null || left === undefined || right === undefined) return false;
  if (typeof left !== typeof right) return false;
  const l = left as number | string;
  const r = right as number | string;
  return op === 'gt' ? l > r : op === 'ge' ? l >= r : op === 'lt' ? l < r : l <= r;
}

function describe(token: Token): string {
  return token.type === 'name'
    ? `'${token.text}'`
    : token.type === 'punct'
      ? `'${token.text}'`
      : 'literal';
}

function escapeClass(text: string): string {
  return text.replace(/[\\\]^-]/g, '\\$&');
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const at = i;
    if (c === "'") {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length)
          throw new FilterSyntaxError(`a string opened at position ${at + 1} is not closed`);
        if (text[i] === "'") {
          if (text[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += text[i];
        i++;
      }
      tokens.push({ type: 'string', value, at });
      continue;
    }
    if ('(),:'.includes(c)) {
      tokens.push({ type: 'punct', text: c, at });
      i++;
      continue;
    }
    const number = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i))?.[0];
    if (number) {
      tokens.push({ type: 'number', value: Number(number), at });
      i += number.length;
      continue;
    }
    const name = /^[A-Za-z_][\w.]*(?:\/[A-Za-z_]\w*)?/.exec(text.slice(i))?.[0];
    if (!name) throw new FilterSyntaxError(`unexpected '${c}' at position ${at + 1}`);
    tokens.push({ type: 'name', text: name, at });
    i += name.length;
  }
  return tokens;
}
