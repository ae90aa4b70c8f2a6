import { AppError } from '../host/appError';
import type { DeviceStateStore } from '../telemetry/deviceStateStore';
import { type MeasurementName, measurementNames } from '../telemetry/measurements';
import {
  bucketHistory,
  type HistoryBucket,
  type HistoryInterval,
  historyIntervals,
  hourOf,
} from './rollups';

export interface HistoryRange {
  readonly from: number;
  readonly to: number;
  readonly interval: HistoryInterval | 'raw';
}

const dayMs = 86_400_000;
/** How far a range may reach past the server's clock: the caller's clock may run a little fast. */
export const historyClockSkewMs = 5 * 60_000;
/** The most buckets one JSON answer carries; the CSV export has no such limit. */
export const maxJsonBuckets = 10_000;

/**
 * `from`, `to` (ISO 8601 or epoch milliseconds; the last 24 hours by default) and `interval`
 * (1m, 5m, 1h, 1d, or raw for the last hour's readings); a range reaching back past the retention
 * starts where the retention does. Refused before any query: a `to` more than five minutes ahead
 * of now, and a range longer than the retention, which bound the queries a range costs (one a day).
 */
export function parseHistoryRange(
  query: URLSearchParams,
  retentionDays: number,
  now: number,
): HistoryRange {
  const time = (name: string, fallback: number) => {
    const raw = query.get(name);
    if (raw === null || raw === '') return fallback;
    const value = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
    if (!Number.isFinite(value))
      throw new AppError(
        'validation_failed',
        `${name} must be an ISO 8601 time or epoch milliseconds`,
      );
    return value;
  };
  const to = time('to', now);
  const from = time('from', to - dayMs);
  const interval = query.get('interval') ?? '1h';
  if (interval !== 'raw' && !historyIntervals.includes(interval as HistoryInterval))
    throw new AppError(
      'validation_failed',
      `interval is one of ${historyIntervals.join(', ')} or raw`,
    );
  if (from >= to) throw new AppError('validation_failed', 'from must be before to');
  if (to > now + historyClockSkewMs)
    throw new AppError(
      'validation_failed',
      `to may be at most ${historyClockSkewMs / 60_000} minutes after now (${new Date(now).toISOString()}): there is no history after that`,
    );
  if (to - from > retentionDays * dayMs)
    throw new AppError(
      'validation_failed',
      `a range spans at most ${retentionDays} days, the history retention (HISTORY_RETENTION_DAYS): ask for a shorter one`,
    );
  // Nothing older than the retention is kept: a range reaching further back starts where it does.
  const kept = Math.max(from, now - retentionDays * dayMs);
  if (kept >= to)
    throw new AppError(
      'validation_failed',
      `history is kept for ${retentionDays} days: the range is older than that`,
    );
  return { from: kept, to, interval: interval as HistoryRange['interval'] };
}

/**
 * A device's history over a range: the hours its state still carries (read once), then its
 * finished hours a day at a time, each day one query of at most 24 rows per hub partition the
 * device used, so a long range streams in bounded memory.
 */
export async function* historyBuckets(
  store: Pick<DeviceStateStore, 'get' | 'finishedHours'>,
  deviceId: string,
  range: HistoryRange & { interval: HistoryInterval },
): AsyncGenerator<HistoryBucket> {
  const kept = (await store.get(deviceId))?.rollups ?? [];
  // Steps are whole days (UTC), so no bucket, even a day's, spans two steps.
  for (let start = Math.floor(range.from / dayMs) * dayMs; start < range.to; start += dayMs) {
    const end = Math.min(start + dayMs, range.to);
    const from = Math.max(start, range.from);
    const fromHour = hourOf(new Date(from).toISOString());
    const toHour = hourOf(new Date(end - 1).toISOString());
    const finished = await store.finishedHours(deviceId, fromHour, toHour);
    const carried = kept.filter((rollup) => rollup.hour >= fromHour && rollup.hour <= toHour);
    yield* bucketHistory([...finished, ...carried], from, end, range.interval);
  }
}

export const csvMetricColumns = measurementNames.flatMap((name) =>
  ['count', 'min', 'max', 'avg'].map((stat) => `${name}_${stat}`),
);

export function bucketCsvRow(bucket: HistoryBucket): string {
  return [
    bucket.t,
    ...measurementNames.flatMap((name: MeasurementName): (number | string)[] => {
      const m = bucket.metrics[name];
      return m ? [m.count, m.min, m.max, round(m.avg)] : ['', '', '', ''];
    }),
  ].join(',');
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
