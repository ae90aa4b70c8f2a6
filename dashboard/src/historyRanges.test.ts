import { describe, expect, it } from 'vitest';
import { intervalFor, presetRanges, timeAxisFormat } from './historyRanges';

const hour = 3_600_000;

describe('history ranges', () => {
  it('draws each preset with a few hundred buckets at most', () => {
    const bucketMs = { '1m': 60_000, '5m': 300_000, '1h': hour, '1d': 24 * hour } as const;
    for (const { span, interval } of Object.values(presetRanges))
      expect(span / bucketMs[interval]).toBeLessThanOrEqual(720);
  });

  it('picks a custom range the finest bucket that keeps the chart readable', () => {
    expect(intervalFor(90 * 60_000)).toBe('1m');
    expect(intervalFor(12 * hour)).toBe('5m');
    expect(intervalFor(10 * 24 * hour)).toBe('1h');
    expect(intervalFor(90 * 24 * hour)).toBe('1d');
  });

  it('labels the time axis with times, then days and times, then dates', () => {
    expect(timeAxisFormat(hour)).toBe('{HH}:{mm}');
    expect(timeAxisFormat(24 * hour)).toBe('{HH}:{mm}');
    expect(timeAxisFormat(7 * 24 * hour)).toBe('{MMM} {D} {HH}:{mm}');
    expect(timeAxisFormat(30 * 24 * hour)).toBe('{MMM} {D}');
  });
});
