import type { HistoryInterval } from './telemetryTypes';

const hour = 3_600_000;
const day = 24 * hour;

/** The picker's ranges, and the bucket size each is drawn with (a few hundred points at most). */
export const presetRanges = {
  '1h': { span: hour, interval: '1m' },
  '24h': { span: day, interval: '5m' },
  '7d': { span: 7 * day, interval: '1h' },
  '30d': { span: 30 * day, interval: '1h' },
} as const satisfies Record<string, { span: number; interval: HistoryInterval }>;

/**
 * Tick labels for a range (uPlot's date templates): times within a day, day and time up to a
 * week, dates beyond, so every range reads at a glance.
 */
export function timeAxisFormat(spanMs: number): string {
  if (spanMs <= 26 * hour) return '{HH}:{mm}';
  if (spanMs <= 8 * day) return '{MMM} {D} {HH}:{mm}';
  return '{MMM} {D}';
}

/** A custom range's bucket size: the finest that keeps the chart under ~1,500 points. */
export function intervalFor(spanMs: number): HistoryInterval {
  if (spanMs <= 24 * hour) return spanMs <= 2 * hour ? '1m' : '5m';
  return spanMs <= 60 * day ? '1h' : '1d';
}
