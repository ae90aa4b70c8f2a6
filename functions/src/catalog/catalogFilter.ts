import { AppError } from '../host/appError';

const numberFields = new Set(['year', 'popularity', 'durationSeconds']);
const comparisons = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);
const maxFilterLength = 1_000;
const maxClauses = 20;

type Token = { kind: 'word' | 'string' | 'number' | 'punct'; text: string };

/**
 * Rebuilds a caller's `$filter` from the parts the catalog allows, never passing it through:
 * `year|popularity|durationSeconds <eq|ne|gt|ge|lt|le> <whole number>`, `artist <eq|ne> '<text>'`,
 * `genres/any(g: g eq '<text>')`, joined by `and`, `or`, `not` and parentheses, at most 20 clauses.
 * Anything else (another field, a function, a lambda over another field) is a 400 naming it.
 * https://learn.microsoft.com/azure/search/search-query-odata-filter
 */
export function buildCatalogFilter(given: string): string {
  if (given.length > maxFilterLength)
    throw refused(`filter must be at most ${maxFilterLength} characters`);
  const tokens = tokenize(given);
  let at = 0;
  let clauses = 0;
  const peek = () => tokens[at];
  const take = (expected?: string): Token => {
    const token = tokens[at++];
    if (!token || (expected !== undefined && token.text !== expected))
      throw refused(
        `filter: expected ${expected ?? 'more'} ${token ? `at "${token.text}"` : 'at the end'}`,
      );
    return token;
  };
  const quoted = (text: string) => `'${text.replace(/'/g, "''")}'`;

  const clause = (): string => {
    if (++clauses > maxClauses) throw refused(`filter may have at most ${maxClauses} clauses`);
    const field = take();
    if (field.kind !== 'word')
      throw refused(`filter: a clause starts with a field, not "${field.text}"`);
    if (numberFields.has(field.text)) {
      const op = take().text;
      const value = take();
      if (!comparisons.has(op) || value.kind !== 'number')
        throw refused(`filter: ${field.text} takes eq, ne, gt, ge, lt or le and a whole number`);
      return `${field.text} ${op} ${value.text}`;
    }
    if (field.text === 'artist') {
      const op = take().text;
      const value = take();
      if ((op !== 'eq' && op !== 'ne') || value.kind !== 'string')
        throw refused("filter: artist takes eq or ne and a quoted name, such as artist eq 'Air'");
      return `artist ${op} ${quoted(value.text)}`;
    }
    if (field.text === 'genres/any') {
      take('(');
      const variable = take();
      take(':');
      const again = take();
      take('eq');
      const value = take();
      take(')');
      if (variable.kind !== 'word' || again.text !== variable.text || value.kind !== 'string')
        throw refused("filter: genres is matched as genres/any(g: g eq 'rock')");
      return `genres/any(g: g eq ${quoted(value.text)})`;
    }
    throw refused(
      `filter: ${field.text} cannot be filtered; use year, popularity, durationSeconds, artist or genres/any(...)`,
    );
  };
  const unary = (): string => {
    if (peek()?.text === 'not') {
      take();
      return `not ${unary()}`;
    }
    if (peek()?.text === '(') {
      take('(');
      const inner = expression();
      take(')');
      return `(${inner})`;
    }
    return clause();
  };
  const expression = (): string => {
    let built = unary();
    while (peek()?.text === 'and' || peek()?.text === 'or')
      built = `${built} ${take().text} ${unary()}`;
    return built;
  };
  const built = expression();
  if (at < tokens.length) throw refused(`filter: unexpected "${tokens[at]?.text}"`);
  return built;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const pattern =
    /\s*(?:('(?:[^']|'')*')|(-?\d+)(?![\w.])|([A-Za-z][A-Za-z0-9_]*(?:\/any)?)|([():]))/y;
  let at = 0;
  while (at < text.length) {
    if (/^\s*$/.test(text.slice(at))) break;
    pattern.lastIndex = at;
    const match = pattern.exec(text);
    if (!match) throw refused(`filter: cannot read "${text.slice(at, at + 20).trim()}"`);
    at = pattern.lastIndex;
    if (match[1] !== undefined)
      tokens.push({ kind: 'string', text: match[1].slice(1, -1).replace(/''/g, "'") });
    else if (match[2] !== undefined) tokens.push({ kind: 'number', text: match[2] });
    else if (match[3] !== undefined) tokens.push({ kind: 'word', text: match[3] });
    else tokens.push({ kind: 'punct', text: match[4] as string });
  }
  return tokens;
}

function refused(message: string): AppError {
  return new AppError('validation_failed', message);
}
