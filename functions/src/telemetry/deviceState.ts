import {
  type AlarmConditions,
  type AlarmTransition,
  evaluateThresholdRules,
} from '../fleet/alarmConditions';
import type { ThresholdRule } from '../fleet/alarmRule';
import { addToRollups, type HourRollup } from '../fleet/rollups';
import {
  applyHubEvent,
  type ConnectionState,
  type HubEvent,
  type ReportedProperties,
} from './hubEventState';
import { type Measurements, measurementNames } from './measurements';

/** One accepted reading as kept in a device's history. */
export interface HistoryPoint extends Measurements {
  /** Hub enqueued time, ISO 8601. */
  readonly t: string;
  /** Sequence number of the hub message it came from (several readings may share one). */
  readonly seq: number;
}

/**
 * The longest history a device keeps. A table property holds at most 64 KiB (32K UTF-16
 * characters) and one serialised point is at most ~200 characters (an ISO time, a sequence number
 * and four doubles), so 120 points always fit in the entity's `history` property.
 */
export const maxHistoryLength = 120;

/** What the API returns and the dashboard shows for one device. */
export interface DeviceState {
  readonly deviceId: string;
  readonly temperature: number | null;
  readonly humidity: number | null;
  readonly pressure: number | null;
  readonly light: number | null;
  /** Accepted readings. */
  readonly count: number;
  /** Rejected readings. */
  readonly rejected: number;
  readonly lastSeen: string | null;
  /** From the hub's connection events; null until one arrives (devices on HTTPS send none). */
  readonly connection: ConnectionState | null;
  /** From the hub's twin change events; null until the device reports a property. */
  readonly reported: ReportedProperties | null;
  /**
   * Highest hub sequence number applied, per hub partition. Sequence numbers are only ordered
   * within a partition; keeping one per partition makes any replay a no-op.
   */
  readonly lastSequenceNumbers: Readonly<Record<string, number>>;
  /** The most recent readings, oldest first. */
  readonly history: readonly HistoryPoint[];
  /** Where each threshold rule stands for this device (kept with the state; not in the API). */
  readonly alarmConditions: AlarmConditions;
  /** The current and previous hour's rollups (kept with the state; not in the API). */
  readonly rollups: readonly HourRollup[];
}

/** What the API and dashboards get of a device's state: without what only ingest needs. */
export type PublicDeviceState = Omit<DeviceState, 'alarmConditions' | 'rollups'>;

export function publicDeviceState(state: DeviceState): PublicDeviceState {
  const { alarmConditions: _conditions, rollups: _rollups, ...visible } = state;
  return visible;
}

/** Everything one batch says about one device, in hub order. */
export interface DeviceDelta {
  readonly deviceId: string;
  readonly partitionId: string;
  readonly messages: readonly DeviceMessage[];
  /** The threshold rules that apply to this device now; none when absent. */
  readonly alarmRules?: readonly ThresholdRule[];
}

export interface DeviceMessage {
  readonly sequenceNumber: number;
  readonly enqueuedTime: string;
  readonly accepted: readonly Measurements[];
  readonly rejectedCount: number;
  /** Set when the message is one of the hub's own events rather than a device's reading. */
  readonly hubEvent?: HubEvent;
}

export function emptyDeviceState(deviceId: string): DeviceState {
  return {
    deviceId,
    temperature: null,
    humidity: null,
    pressure: null,
    light: null,
    count: 0,
    rejected: 0,
    lastSeen: null,
    connection: null,
    reported: null,
    lastSequenceNumbers: {},
    history: [],
    alarmConditions: {},
    rollups: [],
  };
}

/**
 * Applies a batch's messages to a device: counts, latest values, history, hourly rollups, and the
 * alarm rules' conditions. A message whose sequence number was already applied in the same
 * partition is skipped, which makes redelivery of a batch a no-op: it changes nothing and raises
 * or clears no alarm.
 */
export function applyDelta(
  current: DeviceState | undefined,
  delta: DeviceDelta,
  historyLength: number,
  options: { readonly rollups?: boolean } = {},
): AppliedDelta {
  const base = current ?? emptyDeviceState(delta.deviceId);
  const lastApplied = base.lastSequenceNumbers[delta.partitionId] ?? -1;
  const fresh = delta.messages.filter((message) => message.sequenceNumber > lastApplied);
  if (fresh.length === 0)
    return { state: base, changed: current === undefined, transitions: [], finishedRollups: [] };

  const latest: Record<string, number | null> = {
    temperature: base.temperature,
    humidity: base.humidity,
    pressure: base.pressure,
    light: base.light,
  };
  const history = [...base.history];
  let { count, rejected, lastSeen } = base;
  let twinState = { connection: base.connection, reported: base.reported };
  let lastSequenceNumber = lastApplied;
  for (const message of fresh) {
    lastSequenceNumber = Math.max(lastSequenceNumber, message.sequenceNumber);
    // The hub's events say nothing of readings: lastSeen stays the time of the last one.
    if (message.hubEvent) {
      twinState = applyHubEvent(twinState, message.hubEvent);
      continue;
    }
    count += message.accepted.length;
    rejected += message.rejectedCount;
    if (lastSeen === null || message.enqueuedTime > lastSeen) lastSeen = message.enqueuedTime;
    for (const reading of message.accepted) {
      for (const name of measurementNames) {
        const value = reading[name];
        if (value !== undefined) latest[name] = value;
      }
      history.push({ t: message.enqueuedTime, seq: message.sequenceNumber, ...reading });
    }
  }
  const readings = fresh.flatMap((message) =>
    message.accepted.map((values) => ({
      t: message.enqueuedTime,
      seq: message.sequenceNumber,
      values,
    })),
  );
  const alarms = evaluateThresholdRules(
    base.alarmConditions,
    delta.alarmRules ?? [],
    readings,
    base.deviceId,
    delta.partitionId,
  );
  const rollups =
    options.rollups === false ? { kept: [], finished: [] } : addToRollups(base.rollups, readings);
  return {
    transitions: alarms.transitions,
    finishedRollups: rollups.finished,
    state: {
      deviceId: base.deviceId,
      temperature: latest.temperature ?? null,
      humidity: latest.humidity ?? null,
      pressure: latest.pressure ?? null,
      light: latest.light ?? null,
      count,
      rejected,
      lastSeen,
      ...twinState,
      lastSequenceNumbers: { ...base.lastSequenceNumbers, [delta.partitionId]: lastSequenceNumber },
      history: history.length > historyLength ? history.slice(-historyLength) : history,
      alarmConditions: alarms.conditions,
      rollups: rollups.kept,
    },
    changed: true,
  };
}

export interface AppliedDelta {
  readonly state: DeviceState;
  /** False on redelivery: nothing was applied. */
  readonly changed: boolean;
  /** Alarms this delta raised or cleared. */
  readonly transitions: readonly AlarmTransition[];
  /** Hours the state no longer carries, to be kept as rows of their own. */
  readonly finishedRollups: readonly HourRollup[];
}

/**
 * One device's state from the rows several hub partitions built for it (see
 * `deviceStatePartitionKey`): counts add up, each partition's sequence number is its own, the
 * latest values and the history come from the readings in time order.
 */
export function mergeDeviceStates(
  rows: readonly DeviceState[],
  historyLength: number,
): DeviceState {
  const [only] = rows;
  if (!only) throw new Error('mergeDeviceStates needs at least one row');
  if (rows.length === 1) return only;
  const byLastSeen = [...rows].sort((a, b) => (a.lastSeen ?? '').localeCompare(b.lastSeen ?? ''));
  const latest = (name: (typeof measurementNames)[number]) =>
    byLastSeen.reduce<number | null>((value, row) => row[name] ?? value, null);
  const history = rows
    .flatMap((row) => row.history)
    .sort((a, b) => a.t.localeCompare(b.t) || a.seq - b.seq);
  return {
    deviceId: only.deviceId,
    temperature: latest('temperature'),
    humidity: latest('humidity'),
    pressure: latest('pressure'),
    light: latest('light'),
    count: rows.reduce((sum, row) => sum + row.count, 0),
    rejected: rows.reduce((sum, row) => sum + row.rejected, 0),
    lastSeen: byLastSeen.at(-1)?.lastSeen ?? null,
    connection: latestBy(rows, (row) => row.connection?.since)?.connection ?? null,
    reported: latestBy(rows, (row) => row.reported?.version)?.reported ?? null,
    lastSequenceNumbers: Object.assign({}, ...rows.map((row) => row.lastSequenceNumbers)),
    history: history.slice(-historyLength),
    alarmConditions: byLastSeen.at(-1)?.alarmConditions ?? {},
    // Each partition's rollups of an hour add up when bucketed.
    rollups: rows.flatMap((row) => row.rollups),
  };
}

/** The row whose key is highest (rows without one are passed over). */
function latestBy<K extends string | number>(
  rows: readonly DeviceState[],
  key: (row: DeviceState) => K | undefined,
): DeviceState | undefined {
  let best: { row: DeviceState; key: K } | undefined;
  for (const row of rows) {
    const value = key(row);
    if (value !== undefined && (!best || value > best.key)) best = { row, key: value };
  }
  return best?.row;
}
