import {
  type MeasurementName,
  type Measurements,
  measurementNames,
} from '../telemetry/measurements';

/**
 * One hour of a device's accepted readings, by minute: for each minute with readings, per metric
 * its count, min, max and sum. An hour is at most 60 x 4 aggregates, so it is one entity however
 * many readings it took in, and a range query reads one entity per hour.
 */
export interface HourRollup {
  /** The hour's start, `YYYY-MM-DDTHH` (UTC), which also sorts. */
  readonly hour: string;
  /** By minute of the hour (0-59). */
  readonly minutes: Readonly<Record<number, MinuteAggregates>>;
}

export type MetricAggregate = {
  readonly count: number;
  readonly min: number;
  readonly max: number;
  readonly sum: number;
};
export type MinuteAggregates = Partial<Record<MeasurementName, MetricAggregate>>;

export const historyIntervals = ['1m', '5m', '1h', '1d'] as const;
export type HistoryInterval = (typeof historyIntervals)[number];
const intervalMs: Readonly<Record<HistoryInterval, number>> = {
  '1m': 60_000,
  '5m': 300_000,
  '1h': 3_600_000,
  '1d': 86_400_000,
};

export function hourOf(time: string): string {
  return new Date(time).toISOString().slice(0, 13);
}

/**
 * Adds readings to the rollups a device's state carries (the current hour and the one before, so a
 * reading a little late still counts). Hours older than those two leave the state as `finished`,
 * to be written as rows of their own; a reading for an hour already finished is not rolled up.
 */
export function addToRollups(
  kept: readonly HourRollup[],
  readings: readonly { readonly t: string; readonly values: Measurements }[],
): { kept: HourRollup[]; finished: HourRollup[] } {
  const byHour = new Map<string, Record<number, MinuteAggregates>>(
    kept.map((rollup) => [rollup.hour, { ...rollup.minutes }]),
  );
  const oldestKept = kept[0]?.hour;
  for (const { t, values } of readings) {
    const hour = hourOf(t);
    if (oldestKept !== undefined && hour < oldestKept && !byHour.has(hour)) continue;
    const minutes = byHour.get(hour) ?? {};
    byHour.set(hour, minutes);
    const minute = new Date(t).getUTCMinutes();
    const aggregates: Record<string, MetricAggregate> = { ...minutes[minute] };
    for (const name of measurementNames) {
      const value = values[name];
      if (value === undefined) continue;
      const before = aggregates[name];
      aggregates[name] = before
        ? {
            count: before.count + 1,
            min: Math.min(before.min, value),
            max: Math.max(before.max, value),
            sum: before.sum + value,
          }
        : { count: 1, min: value, max: value, sum: value };
    }
    minutes[minute] = aggregates;
  }
  const hours = [...byHour.keys()].sort();
  const latest = hours.at(-1);
  const previous = latest
    ? hourOf(new Date(Date.parse(`${latest}:00:00Z`) - 3_600_000).toISOString())
    : undefined;
  const all = hours.map((hour) => ({ hour, minutes: byHour.get(hour) ?? {} }));
  return {
    kept: all.filter((rollup) => rollup.hour === latest || rollup.hour === previous),
    finished: all.filter((rollup) => rollup.hour !== latest && rollup.hour !== previous),
  };
}

export interface HistoryBucket {
  /** The bucket's start, ISO 8601. */
  readonly t: string;
  readonly metrics: Partial<
    Record<MeasurementName, { count: number; min: number; max: number; avg: number }>
  >;
}

/**
 * Buckets of `interval` (aligned to UTC) over the minutes in [from, to), with each metric's count,
 * min, max and average; buckets without readings are left out. Rollups of the same hour (a device
 * that moved hub partition has one per partition) add up.
 */
export function bucketHistory(
  rollups: readonly HourRollup[],
  from: number,
  to: number,
  interval: HistoryInterval,
): HistoryBucket[] {
  const size = intervalMs[interval];
  const buckets = new Map<
    number,
    Record<string, { count: number; min: number; max: number; sum: number }>
  >();
  for (const rollup of rollups) {
    const hourStart = Date.parse(`${rollup.hour}:00:00Z`);
    for (const [minute, aggregates] of Object.entries(rollup.minutes)) {
      const at = hourStart + Number(minute) * 60_000;
      if (at < from || at >= to) continue;
      const start = Math.floor(at / size) * size;
      const bucket = buckets.get(start) ?? {};
      buckets.set(start, bucket);
      for (const name of measurementNames) {
        const add = aggregates[name];
        if (!add) continue;
        const before = bucket[name];
        bucket[name] = before
          ? {
              count: before.count + add.count,
              min: Math.min(before.min, add.min),
              max: Math.max(before.max, add.max),
              sum: before.sum + add.sum,
            }
          : { ...add };
      }
    }
  }
  return [...buckets.keys()]
    .sort((a, b) => a - b)
    .map((start) => ({
      t: new Date(start).toISOString(),
      metrics: Object.fromEntries(
        Object.entries(buckets.get(start) ?? {}).map(([name, a]) => [
          name,
          { count: a.count, min: a.min, max: a.max, avg: a.sum / a.count },
        ]),
      ),
    }));
}

/**
 * Rollups as stored: `[[minute, count, min, max, sum] x 4 metrics ...]` per hour, a metric without
 * readings in that minute written as a count of 0 alone. Numbers only: a third of the objects' size.
 */
function minuteRow(minute: number, aggregates: MinuteAggregates): number[] {
  return [
    minute,
    ...measurementNames.flatMap((name) => {
      const a = aggregates[name];
      return a ? [a.count, a.min, a.max, a.sum] : [0];
    }),
  ];
}

// A minute's aggregates are replaced, never changed, when a reading lands in it: the text of the
// others is reused by every write of the state until their hour leaves it.
const encodedMinutes = new WeakMap<MinuteAggregates, string>();

/** An hour as stored (see `minuteRow`), as JSON text, encoding only the minutes that changed since the last write. */
export function encodeRollupRows(rollup: HourRollup): string {
  const parts: string[] = [];
  for (const [minute, aggregates] of Object.entries(rollup.minutes)) {
    let text = encodedMinutes.get(aggregates);
    if (text === undefined) {
      text = JSON.stringify(minuteRow(Number(minute), aggregates));
      encodedMinutes.set(aggregates, text);
    }
    parts.push(text);
  }
  return `[${parts.join(',')}]`;
}

export function rollupFromRows(hour: string, rows: unknown): HourRollup {
  const minutes: Record<number, MinuteAggregates> = {};
  if (!Array.isArray(rows)) return { hour, minutes };
  for (const row of rows) {
    if (!Array.isArray(row)) continue;
    const [minute, ...rest] = row as number[];
    const aggregates: Record<string, MetricAggregate> = {};
    let at = 0;
    for (const name of measurementNames) {
      const count = rest[at] ?? 0;
      if (count > 0) {
        aggregates[name] = {
          count,
          min: rest[at + 1] as number,
          max: rest[at + 2] as number,
          sum: rest[at + 3] as number,
        };
        at += 4;
      } else at += 1;
    }
    minutes[minute as number] = aggregates;
  }
  return { hour, minutes };
}
