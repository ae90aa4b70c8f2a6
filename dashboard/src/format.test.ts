import { describe, expect, it } from 'vitest';
import { formatAge, formatMeasurement, freshnessOf } from './format';

describe('formatMeasurement', () => {
  it('shows zero and negative values with their unit, and no data as a dash', () => {
    expect(formatMeasurement('temperature', 0)).toBe('0.0 °C');
    expect(formatMeasurement('temperature', -0.04)).toBe('0.0 °C');
    expect(formatMeasurement('temperature', -12.34)).toBe('-12.3 °C');
    expect(formatMeasurement('humidity', 0)).toBe('0 %');
    expect(formatMeasurement('pressure', 1013.4)).toBe('1013 hPa');
    expect(formatMeasurement('light', null)).toBe('—');
    expect(formatMeasurement('light', undefined)).toBe('—');
  });
});

describe('freshness and age', () => {
  const now = Date.parse('2026-11-21T12:00:00Z');
  const thresholds = { staleAfterSeconds: 30, offlineAfterSeconds: 120 };
  it.each([
    ['2026-11-21T11:59:45Z', 'live'],
    ['2026-11-21T11:59:30Z', 'stale'],
    ['2026-11-21T11:58:00Z', 'offline'],
    [null, 'never'],
  ])('%s is %s', (lastSeen, expected) => {
    expect(freshnessOf(lastSeen, now, thresholds)).toBe(expected);
  });
  it('reads ages like a person would', () => {
    expect(formatAge('2026-11-21T12:00:00Z', now)).toBe('just now');
    expect(formatAge('2026-11-21T11:59:48Z', now)).toBe('12 s ago');
    expect(formatAge('2026-11-21T11:55:00Z', now)).toBe('5 min ago');
    expect(formatAge('2026-11-21T09:00:00Z', now)).toBe('3 h ago');
    expect(formatAge(null, now)).toBe('never');
  });
});
