import { describe, expect, it } from 'vitest';
import { AppError } from '../host/appError';
import { createRateLimiter } from '../host/rateLimiter';
import { buildCatalogFilter } from './catalogFilter';
import { readCatalogQuery } from './catalogQuery';

const refusal = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return error instanceof AppError ? `${error.code}: ${error.message}` : String(error);
  }
  return 'accepted';
};

describe('catalog filters, rebuilt from a whitelist (regression: $filter passed through as sent)', () => {
  it('rebuilds the allowed clauses, quoting strings itself', () => {
    expect(buildCatalogFilter("genres/any(g: g eq 'trip hop') and year ge 1990")).toBe(
      "genres/any(g: g eq 'trip hop') and year ge 1990",
    );
    expect(buildCatalogFilter("not (artist eq 'Guns N'' Roses' or popularity lt 10)")).toBe(
      "not (artist eq 'Guns N'' Roses' or popularity lt 10)",
    );
  });

  it.each([
    ['another field', "title eq 'x'", /title cannot be filtered/],
    ['a function', "search.ismatch('x')", /cannot be filtered|cannot read/],
    ['a lambda over another collection', "artist/any(a: a eq 'x')", /cannot be filtered/],
    ['a string where a number goes', "year ge '1990'", /year takes .* a whole number/],
    ['an unquoted name', 'artist eq Air', /artist takes eq or ne and a quoted name/],
    ['trailing text', 'year ge 1990 1991', /unexpected "1991"/],
    [
      'too many clauses',
      Array.from({ length: 21 }, () => 'year ge 1').join(' and '),
      /at most 20 clauses/,
    ],
  ])('refuses %s', (_label, filter, message) => {
    expect(refusal(() => buildCatalogFilter(filter))).toMatch(message);
  });

  it('refuses long regular expressions and leading-wildcard terms in the full syntax', () => {
    const q = (text: string) => new URLSearchParams({ q: text, syntax: 'full' });
    expect(refusal(() => readCatalogQuery(q(`/${'a.'.repeat(20)}/`)))).toMatch(
      /a regular expression in q may be at most 32 characters/,
    );
    expect(refusal(() => readCatalogQuery(q(`*${'x'.repeat(40)}`)))).toMatch(
      /a term starting with a wildcard may be at most 32 characters/,
    );
    expect(refusal(() => readCatalogQuery(q('/[mh]otel/ AND *ing')))).toBe('accepted');
  });

  it('limits searches per caller with a token bucket', () => {
    let now = 0;
    const limiter = createRateLimiter({ perSecond: 10, burst: 3, now: () => now });
    expect([1, 2, 3, 4].map(() => limiter.take('a').ok)).toEqual([true, true, true, false]);
    expect(limiter.take('b').ok).toBe(true);
    expect(limiter.take('a')).toEqual({ ok: false, retryAfterSeconds: 1 });
    now += 100;
    expect(limiter.take('a').ok).toBe(true);
  });
});
