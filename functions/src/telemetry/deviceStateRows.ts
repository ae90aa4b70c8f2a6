import type { TableEntityResult } from '@azure/data-tables';
import { encodeRollupRows, type HourRollup, rollupFromRows } from '../fleet/rollups';
import type { WireEntity } from '../storage/entityGroupTransaction';
import { deviceRowKey } from './deviceKeys';
import type { DeviceState, HistoryPoint } from './deviceState';
import { measurementNames } from './measurements';

/**
 * How a device's state and its finished hours are stored as table rows, and read back: the row
 * shapes of the device-state table, apart from the store that queries and writes them.
 */

export interface DeviceStateEntity {
  deviceId: string;
  temperature?: number;
  humidity?: number;
  pressure?: number;
  light?: number;
  count: number;
  rejected: number;
  lastSeen?: string;
  lastSequenceNumbers: string;
  history: string;
  alarmConditions?: string;
  rollups?: string;
  /** JSON of the device's connection state and reported properties, when the hub has told of them. */
  connection?: string;
  reported?: string;
}

/**
 * Rows kept with the states in their partitions (alarms, finished hours) have row keys starting
 * with `~`, which no device's row key does: device ids cannot hold it, and percent-encoding
 * leaves none.
 */
export const companionRowPrefix = '~';

export function rollupRowKey(deviceKey: string, hour: string): string {
  return `${companionRowPrefix}h|${deviceKey}|${hour}`;
}

export function rollupEntity(
  deviceId: string,
  rollup: HourRollup,
  partitionKey: string,
): WireEntity {
  return {
    PartitionKey: partitionKey,
    RowKey: rollupRowKey(deviceRowKey(deviceId), rollup.hour),
    deviceId,
    hour: rollup.hour,
    minutes: encodeRollupRows(rollup),
  };
}

export function toEntity(state: DeviceState, partitionKey: string): WireEntity {
  // Built by hand: this runs for every device of every batch.
  const entity: Record<string, string | number> = {
    PartitionKey: partitionKey,
    RowKey: deviceRowKey(state.deviceId),
    deviceId: state.deviceId,
    count: state.count,
    'count@odata.type': 'Edm.Double',
    rejected: state.rejected,
    'rejected@odata.type': 'Edm.Double',
    lastSequenceNumbers: JSON.stringify(state.lastSequenceNumbers),
    history: encodeHistory(state.history),
    alarmConditions: JSON.stringify(state.alarmConditions),
    rollups: `[${state.rollups.map((rollup) => `[${JSON.stringify(rollup.hour)},${encodeRollupRows(rollup)}]`).join(',')}]`,
  };
  for (const name of measurementNames) {
    const value = state[name];
    if (value === null) continue;
    entity[name] = value;
    entity[doubleType[name]] = 'Edm.Double';
  }
  if (state.lastSeen) entity.lastSeen = state.lastSeen;
  if (state.connection) entity.connection = JSON.stringify(state.connection);
  // At most 32 KB of JSON (the twin's limit), so within a string property's 64 KiB.
  if (state.reported) entity.reported = JSON.stringify(state.reported);
  return entity as WireEntity;
}

const doubleType = Object.fromEntries(
  measurementNames.map((name) => [name, `${name}@odata.type`]),
) as Record<(typeof measurementNames)[number], string>;

/**
 * History is stored as one JSON array of `[epochMs, seq, temperature, humidity, pressure, light]`
 * tuples, trailing "not sent" values left off: numbers only, so the service stores and parses
 * less than a third of the objects' size and JSON escapes nothing, and every write of the entity
 * pays for it. Rows written with ISO time strings still read.
 */
type StoredPoint = [number | string, number, ...(number | null)[]];

// A point is encoded once, the first time a device's history is written with it; after that every
// write of the history reuses the text (points are carried from state to state by reference).
const encodedPoints = new WeakMap<HistoryPoint, string>();

function encodePoint(point: HistoryPoint): string {
  let text = encodedPoints.get(point);
  if (text === undefined) {
    const values = measurementNames.map((name) => point[name] ?? null);
    while (values.length > 0 && values.at(-1) === null) values.pop();
    text = JSON.stringify([Date.parse(point.t), point.seq, ...values]);
    encodedPoints.set(point, text);
  }
  return text;
}

function encodeHistory(history: readonly HistoryPoint[]): string {
  return `[${history.map(encodePoint).join(',')}]`;
}

function decodeHistory(text: unknown): HistoryPoint[] {
  const stored = parseJson<StoredPoint[]>(text, Array.isArray) ?? [];
  return stored.map(([time, seq, ...values]) => {
    const point: Record<string, unknown> = {
      t: typeof time === 'number' ? new Date(time).toISOString() : time,
      seq,
    };
    measurementNames.forEach((name, index) => {
      const value = values[index];
      if (typeof value === 'number') point[name] = value;
    });
    return point as unknown as HistoryPoint;
  });
}

export function fromEntity(entity: TableEntityResult<DeviceStateEntity>): DeviceState {
  const num = (value: unknown): number | null => (typeof value === 'number' ? value : null);
  return {
    deviceId: entity.deviceId,
    temperature: num(entity.temperature),
    humidity: num(entity.humidity),
    pressure: num(entity.pressure),
    light: num(entity.light),
    count: num(entity.count) ?? 0,
    rejected: num(entity.rejected) ?? 0,
    lastSeen: entity.lastSeen ?? null,
    connection: parseJson(entity.connection, isConnection) ?? null,
    reported: parseJson(entity.reported, isReported) ?? null,
    lastSequenceNumbers: parseJson(entity.lastSequenceNumbers, isSequenceMap) ?? {},
    history: decodeHistory(entity.history),
    alarmConditions: parseJson(entity.alarmConditions, isObject) ?? {},
    rollups: (parseJson<[string, unknown][]>(entity.rollups, Array.isArray) ?? []).map(
      ([hour, rows]) => rollupFromRows(hour, rows),
    ),
  };
}

export function parseJson<T>(text: unknown, accept: (value: unknown) => boolean): T | undefined {
  if (typeof text !== 'string') return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return accept(parsed) ? (parsed as T) : undefined;
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isConnection(value: unknown): boolean {
  return isObject(value) && typeof (value as { since?: unknown }).since === 'string';
}

function isReported(value: unknown): boolean {
  return (
    isObject(value) &&
    typeof (value as { version?: unknown }).version === 'number' &&
    isObject((value as { properties?: unknown }).properties)
  );
}

function isSequenceMap(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    Object.values(value).every((sequence) => typeof sequence === 'number')
  );
}
