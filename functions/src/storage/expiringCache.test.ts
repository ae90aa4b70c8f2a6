import { describe, expect, it } from 'vitest';
import { ExpiringCache } from './expiringCache';

describe('ExpiringCache', () => {
  it('remembers values and misses until they expire', () => {
    let now = 0;
    const cache = new ExpiringCache<string, number | undefined>({
      ttlMs: 100,
      maxEntries: 10,
      now: () => now,
    });
    cache.set('miss', undefined);
    cache.set('hit', 0);
    expect(cache.lookup('miss')).toEqual({ hit: true, value: undefined });
    expect(cache.lookup('hit')).toEqual({ hit: true, value: 0 });
    now = 100;
    expect(cache.lookup('hit')).toEqual({ hit: false });
  });

  it('evicts the oldest entry beyond its size and caches nothing with a zero TTL', () => {
    const cache = new ExpiringCache<string, number>({ ttlMs: 1000, maxEntries: 2 });
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('c', 3);
    expect(cache.lookup('a')).toEqual({ hit: false });
    expect(cache.lookup('c')).toEqual({ hit: true, value: 3 });
    const off = new ExpiringCache<string, number>({ ttlMs: 0, maxEntries: 2 });
    off.set('a', 1);
    expect(off.lookup('a')).toEqual({ hit: false });
  });
});
