import { describe, expect, it } from 'vitest';
import { entityLimitProblem, keyFor } from './tableLimits';

describe('Table storage limits', () => {
  it('names the limit an entity breaks, before anything is sent', () => {
    expect(entityLimitProblem({ PartitionKey: 'p', RowKey: 'r', value: 'x'.repeat(100) })).toBe(
      undefined,
    );
    expect(entityLimitProblem({ PartitionKey: 'p', RowKey: '%E2%82%AC'.repeat(128) })).toBe(
      'RowKey is 2304 bytes; keys are at most 1024',
    );
    expect(entityLimitProblem({ PartitionKey: 'p', RowKey: 'r', users: 'u'.repeat(40_000) })).toBe(
      'property users is 80000 bytes; properties are at most 65536',
    );
    const many = Object.fromEntries(
      Array.from({ length: 20 }, (_, i) => [`p${i}`, 'x'.repeat(30_000)]),
    );
    expect(entityLimitProblem({ PartitionKey: 'p', RowKey: 'r', ...many })).toMatch(
      /^the entity is \d+ bytes; entities are at most 1048576$/,
    );
  });

  it('keys any text: URL-encoded when it fits, a SHA-256 when it would not', () => {
    expect(keyFor('p/1 #?')).toBe('p%2F1%20%23%3F');
    const long = keyFor('€'.repeat(128));
    expect(long).toMatch(/^~sha256~[0-9a-f]{64}$/);
    expect(keyFor('€'.repeat(128))).toBe(long);
  });
});
