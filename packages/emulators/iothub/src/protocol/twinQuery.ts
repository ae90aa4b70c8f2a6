// The common subset of IoT Hub's query language for device twins:
// https://learn.microsoft.com/azure/iot-hub/iot-hub-devguide-query-language
//   SELECT * | path[, path...] FROM devices [WHERE condition]
// A condition compares paths (`deviceId`, `tags.site`, `properties.reported.firmware`, ...) with
// literals (`'text'`, numbers, true, false, null) by = != <> < > <= >=, tests membership with
// IN [...], combines with AND, OR, NOT and parentheses, and calls IS_DEFINED(path),
// ARRAY_CONTAINS(path, value), STARTSWITH(path, 'text') and ENDSWITH(path, 'text').

export class QueryError extends Error {}

type Value = null | boolean | number | string | Value[] | { [key: string]: Value };

type Expression =
  | { kind: 'path'; path: string[] }
  | { kind: 'literal'; value: Value | undefined }
  | { kind: 'list'; items: Expression[] }
  | { kind: 'not'; operand: Expression }
  | { kind: 'binary'; operator: string; left: Expression; right: Expression }
  | { kind: 'call'; name: string; args: Expression[] };

export interface TwinQuery {
  /** `devices` (twins) or `devices.jobs` (each device's part in each job). */
  readonly source: 'devices' | 'devices.jobs';
  /** Null for `SELECT *`; else the paths kept in each result. */
  readonly select: readonly string[][] | null;
  /** Whether a twin (as the service API shows it) is in the result. */
  matches(twin: object): boolean;
  project(twin: object): object;
}

const tokenPattern =
  /\s*(?:(?<string>'(?:[^']|'')*'|"(?:[^"]|"")*")|(?<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|(?<op><>|!=|<=|>=|[=<>(),[\]*])|(?<word>[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$-]*)*))/y;

interface Token {
  readonly kind: 'string' | 'number' | 'op' | 'word';
  readonly text: string;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  tokenPattern.lastIndex = 0;
  while (tokenPattern.lastIndex < text.length) {
    if (/^\s*$/.test(text.slice(tokenPattern.lastIndex))) break;
    const at = tokenPattern.lastIndex;
    const match = tokenPattern.exec(text);
    const groups = match?.groups;
    if (!match || !groups)
      throw new QueryError(`cannot read the query at "${text.slice(at, at + 20)}"`);
    const kind = (['string', 'number', 'op', 'word'] as const).find((k) => groups[k] !== undefined);
    if (!kind) throw new QueryError(`cannot read the query at "${text.slice(at, at + 20)}"`);
    tokens.push({ kind, text: groups[kind] as string });
  }
  return tokens;
}

/** Parses a query over `devices`; a QueryError names what is wrong. */
export function parseTwinQuery(text: string): TwinQuery {
  if (text.length > 8192) throw new QueryError('the query is longer than 8192 characters');
  const tokens = tokenize(text);
  let position = 0;
  const peek = () => tokens[position];
  const isWord = (word: string) => peek()?.kind === 'word' && peek()?.text.toUpperCase() === word;
  const expect = (text: string) => {
    const token = tokens[position++];
    if (!token || token.text.toUpperCase() !== text)
      throw new QueryError(`expected ${text} but found ${token ? `"${token.text}"` : 'the end'}`);
  };

  expect('SELECT');
  let select: string[][] | null = null;
  if (peek()?.text === '*') position++;
  else {
    select = [];
    do {
      const token = tokens[position++];
      if (token?.kind !== 'word') throw new QueryError('SELECT takes * or a list of paths');
      select.push(token.text.split('.'));
    } while (peek()?.text === ',' && position++);
  }
  expect('FROM');
  const sourceText = tokens[position++]?.text.toLowerCase();
  if (sourceText !== 'devices' && sourceText !== 'devices.jobs')
    throw new QueryError('only FROM devices and FROM devices.jobs are supported');
  const source: 'devices' | 'devices.jobs' = sourceText;
  // In a jobs query, `devices.jobs.status` and `status` name the same field.
  const pathOf = (text: string) =>
    (source === 'devices.jobs' && text.toLowerCase().startsWith('devices.jobs.')
      ? text.slice('devices.jobs.'.length)
      : text
    ).split('.');
  let where: Expression | undefined;
  if (isWord('WHERE')) {
    position++;
    where = orExpression();
  }
  if (position < tokens.length)
    throw new QueryError(`unexpected "${tokens[position]?.text}" (GROUP BY is not supported)`);

  function orExpression(): Expression {
    let left = andExpression();
    while (isWord('OR')) {
      position++;
      left = { kind: 'binary', operator: 'OR', left, right: andExpression() };
    }
    return left;
  }
  function andExpression(): Expression {
    let left = unary();
    while (isWord('AND')) {
      position++;
      left = { kind: 'binary', operator: 'AND', left, right: unary() };
    }
    return left;
  }
  function unary(): Expression {
    if (isWord('NOT')) {
      position++;
      return { kind: 'not', operand: unary() };
    }
    return comparison();
  }
  function comparison(): Expression {
    const left = operand();
    const token = peek();
    if (token?.kind === 'op' && ['=', '!=', '<>', '<', '>', '<=', '>='].includes(token.text)) {
      position++;
      return { kind: 'binary', operator: token.text, left, right: operand() };
    }
    if (isWord('IN') || (isWord('NOT') && tokens[position + 1]?.text.toUpperCase() === 'IN')) {
      const negated = isWord('NOT');
      position += negated ? 2 : 1;
      // The docs write the list in brackets; parentheses are taken too.
      const open = tokens[position++]?.text;
      if (open !== '[' && open !== '(') throw new QueryError('IN takes a list: IN [value, ...]');
      const test: Expression = {
        kind: 'binary',
        operator: 'IN',
        left,
        right: { kind: 'list', items: listUntil(open === '[' ? ']' : ')') },
      };
      return negated ? { kind: 'not', operand: test } : test;
    }
    return left;
  }
  /** Operands separated by commas, up to and past `close`. */
  function listUntil(close: string): Expression[] {
    const items: Expression[] = [];
    if (peek()?.text !== close)
      do items.push(operand());
      while (peek()?.text === ',' && position++);
    expect(close);
    return items;
  }
  function operand(): Expression {
    const token = tokens[position++];
    if (!token) throw new QueryError('the condition ends too soon');
    if (token.kind === 'string') {
      const quote = token.text.charAt(0);
      return { kind: 'literal', value: token.text.slice(1, -1).replaceAll(quote + quote, quote) };
    }
    if (token.kind === 'number') return { kind: 'literal', value: Number(token.text) };
    if (token.text === '(') {
      const inner = orExpression();
      expect(')');
      return inner;
    }
    if (token.text === '[') return { kind: 'list', items: listUntil(']') };
    if (token.kind !== 'word') throw new QueryError(`unexpected "${token.text}"`);
    const upper = token.text.toUpperCase();
    if (upper === 'TRUE' || upper === 'FALSE') return { kind: 'literal', value: upper === 'TRUE' };
    if (upper === 'NULL') return { kind: 'literal', value: null };
    if (peek()?.text === '(') {
      if (!functions.has(upper))
        throw new QueryError(`the function ${token.text} is not supported`);
      position++;
      return { kind: 'call', name: upper, args: listUntil(')') };
    }
    return { kind: 'path', path: pathOf(token.text) };
  }

  return {
    source,
    select,
    matches: (twin) => where === undefined || evaluate(where, twin) === true,
    project: (twin) => (select ? projection(twin, select) : twin),
  };
}

const functions = new Set(['IS_DEFINED', 'ARRAY_CONTAINS', 'STARTSWITH', 'ENDSWITH']);

function lookup(twin: object, path: readonly string[]): Value | undefined {
  let current: unknown = twin;
  for (const key of path) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current as Value | undefined;
}

function evaluate(expression: Expression, twin: object): Value | undefined {
  switch (expression.kind) {
    case 'path':
      return lookup(twin, expression.path);
    case 'literal':
      return expression.value;
    case 'list':
      return expression.items.map((item) => evaluate(item, twin) ?? null);
    case 'not': {
      const value = evaluate(expression.operand, twin);
      return typeof value === 'boolean' ? !value : undefined;
    }
    case 'call':
      return call(expression.name, expression.args, twin);
    case 'binary':
      return binary(expression, twin);
  }
}

function binary(expression: Extract<Expression, { kind: 'binary' }>, twin: object) {
  const left = evaluate(expression.left, twin);
  const right = evaluate(expression.right, twin);
  switch (expression.operator) {
    case 'AND':
      return left === true && right === true;
    case 'OR':
      return left === true || right === true;
    case 'IN':
      return Array.isArray(right) && left !== undefined && right.some((item) => same(item, left));
    case '=':
      return left !== undefined && right !== undefined && same(left, right);
    case '!=':
    case '<>':
      return left !== undefined && right !== undefined && !same(left, right);
  }
  // Ordering compares numbers with numbers and strings with strings; anything else is undefined.
  if (
    !(typeof left === 'number' && typeof right === 'number') &&
    !(typeof left === 'string' && typeof right === 'string')
  )
    return undefined;
  if (expression.operator === '<') return left < right;
  if (expression.operator === '>') return left > right;
  if (expression.operator === '<=') return left <= right;
  return left >= right;
}

function call(name: string, args: Expression[], twin: object): Value | undefined {
  const [first, second] = args.map((arg) => evaluate(arg, twin));
  if (name === 'IS_DEFINED') {
    if (args.length !== 1 || args[0]?.kind !== 'path')
      throw new QueryError('IS_DEFINED takes one property path');
    return first !== undefined;
  }
  if (args.length !== 2) throw new QueryError(`${name} takes two arguments`);
  if (name === 'ARRAY_CONTAINS')
    return Array.isArray(first) && second !== undefined && first.some((item) => same(item, second));
  if (typeof first !== 'string' || typeof second !== 'string') return undefined;
  return name === 'STARTSWITH' ? first.startsWith(second) : first.endsWith(second);
}

function same(a: Value, b: Value): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function projection(twin: object, select: readonly string[][]): object {
  const result: Record<string, Value> = {};
  for (const path of select) {
    const value = lookup(twin, path);
    if (value !== undefined) result[path.at(-1) as string] = value;
  }
  return result;
}
