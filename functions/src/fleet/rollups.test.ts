import { describe, expect, it } from 'vitest';
import {
  addToRollups,
  bucketHistory,
  encodeRollupRows,
  type HourRollup,
  rollupFromRows,
} from './rollups';

const day = Date.UTC(2026, 10, 30);
const t = (ms: number) => new Date(ms).toISOString();
const minute = 60_000;

// Readings straddling a 5-minute bucket boundary (00:05) and a day boundary (midnight).
const readings = [
  { t: t(day - 2 * minute), values: { temperature: 10, humidity: 50 } }, // 23:58
  { t: t(day - 30_000), values: { temperature: 12 } }, // 23:59:30
  { t: t(day + 10_000), values: { temperature: 20, humidity: 40 } }, // 00:00:10
  { t: t(day + 5 * minute - 1_000), values: { temperature: 22 } }, // 00:04:59
  { t: t(day + 5 * minute), values: { temperature: 30 } }, // 00:05:00
  { t: t(day + 5 * minute + 30_000), values: { temperature: 31, light: 5 } }, // 00:05:30
];

describe('history rollups', () => {
  const { kept, finished } = addToRollups([], readings);

  it('keeps the current and previous hour with the state', () => {
    expect(kept.map((r) => r.hour)).toEqual(['2026-11-29T23', '2026-11-30T00']);
    expect(finished).toEqual([]);
    const later = addToRollups(kept, [{ t: t(day + 3 * 3_600_000), values: { temperature: 1 } }]);
    expect(later.finished.map((r) => r.hour)).toEqual(['2026-11-29T23', '2026-11-30T00']);
    expect(later.kept.map((r) => r.hour)).toEqual(['2026-11-30T03']);
  });

  it('buckets exactly: count, min, max and average per metric, across a bucket and a day boundary', () => {
    expect(bucketHistory(kept, day - 3_600_000, day + 3_600_000, '5m')).toEqual([
      {
        t: t(day - 5 * minute),
        metrics: {
          temperature: { count: 2, min: 10, max: 12, avg: 11 },
          humidity: { count: 1, min: 50, max: 50, avg: 50 },
        },
      },
      {
        t: t(day),
        metrics: {
          temperature: { count: 2, min: 20, max: 22, avg: 21 },
          humidity: { count: 1, min: 40, max: 40, avg: 40 },
        },
      },
      {
        t: t(day + 5 * minute),
        metrics: {
          temperature: { count: 2, min: 30, max: 31, avg: 30.5 },
          light: { count: 1, min: 5, max: 5, avg: 5 },
        },
      },
    ]);
    const days = bucketHistory(kept, day - 86_400_000, day + 86_400_000, '1d');
    expect(days.map((b) => [b.t, b.metrics.temperature?.count])).toEqual([
      [t(day - 86_400_000), 2],
      [t(day), 4],
    ]);
    // The range is by minute: [00:05, 00:06) holds the last two readings only.
    expect(bucketHistory(kept, day + 5 * minute, day + 6 * minute, '1m')).toHaveLength(1);
  });

  it('adds up the same hour from two partitions, and survives its stored form', () => {
    const stored: HourRollup[] = kept.map((r) =>
      rollupFromRows(r.hour, JSON.parse(encodeRollupRows(r))),
    );
    expect(stored).toEqual(kept);
    const doubled = bucketHistory([...kept, ...stored], day, day + 5 * minute, '1h');
    expect(doubled[0]?.metrics.temperature).toEqual({ count: 4, min: 20, max: 22, avg: 21 });
  });
});
