import { describe, expect, it } from 'vitest';
import { historyBuckets, parseHistoryRange } from './deviceHistory';

const now = Date.parse('2026-12-02T12:00:00Z');
const dayMs = 86_400_000;
const query = (params: Record<string, string>) => new URLSearchParams(params);

describe('history ranges', () => {
  it('refuses a `to` in the future beyond a small clock skew, naming the limit', () => {
    for (const to of [String(now + 100 * 365 * dayMs), '8640000000000000', '2030-01-01T00:00:00Z'])
      expect(() => parseHistoryRange(query({ to }), 30, now)).toThrow(
        'to may be at most 5 minutes after now (2026-12-02T12:00:00.000Z)',
      );
    // A caller's clock a minute fast is fine.
    expect(parseHistoryRange(query({ to: String(now + 60_000) }), 30, now).to).toBe(now + 60_000);
  });

  it('refuses a range longer than the retention, and keeps clipping an old start within it', () => {
    expect(() =>
      parseHistoryRange(query({ from: String(now - 31 * dayMs), to: String(now) }), 30, now),
    ).toThrow('a range spans at most 30 days, the history retention (HISTORY_RETENTION_DAYS)');
    const clipped = parseHistoryRange(
      query({ from: String(now - 35 * dayMs), to: String(now - 10 * dayMs) }),
      30,
      now,
    );
    expect(clipped.from).toBe(now - 30 * dayMs);
  });

  it('costs at most one query a day of the retention, whatever a caller asks for', async () => {
    let queries = 0;
    const store = {
      get: async () => undefined,
      finishedHours: async () => {
        queries++;
        return [];
      },
    };
    const range = parseHistoryRange(
      query({ from: String(now - 30 * dayMs + 60_000), to: String(now + 60_000), interval: '1m' }),
      30,
      now,
    );
    for await (const _ of historyBuckets(store, 'd1', { ...range, interval: '1m' })) void _;
    expect(queries).toBeLessThanOrEqual(31);
  });
});
