import { doubleProperty, type WireEntity } from '../storage/entityGroupTransaction';
import type { AlarmState, AlarmTransition } from './alarmConditions';
import type { Severity } from './alarmRule';

/** An alarm as the API lists it. */
export interface Alarm {
  readonly alarmId: string;
  readonly ruleId: string;
  readonly deviceId: string;
  readonly severity: Severity;
  readonly description: string;
  readonly state: AlarmState;
  readonly raisedAt: string;
  readonly raisedValue: number | null;
  readonly acknowledgedBy: string | null;
  /** Who acknowledged, as the token named them (`issuer#sub`): the display name may change. */
  readonly acknowledgedBySubject: string | null;
  readonly acknowledgedAt: string | null;
  readonly clearedAt: string | null;
  readonly clearedValue: number | null;
}

/** Alarm rows sit in the device-state table, beside the states that raise them (`~` sorts last). */
export const alarmRowPrefix = '~a|';

export function alarmRowKey(alarmId: string): string {
  return `${alarmRowPrefix}${alarmId}`;
}

/**
 * A transition as an insert-or-merge of its alarm's row: raising writes what the alarm is,
 * clearing adds when and why it ended, and neither touches an acknowledgement.
 */
export function alarmEntity(transition: AlarmTransition, partitionKey: string): WireEntity {
  const value = (name: string) =>
    transition.value === null ? {} : doubleProperty(name, transition.value);
  const base = {
    PartitionKey: partitionKey,
    RowKey: alarmRowKey(transition.alarmId),
    alarmId: transition.alarmId,
    ruleId: transition.ruleId,
    deviceId: transition.deviceId,
  };
  return transition.state === 'cleared'
    ? { ...base, clearedAt: transition.at, ...value('clearedValue') }
    : {
        ...base,
        severity: transition.severity,
        description: transition.description,
        raisedAt: transition.at,
        ...value('raisedValue'),
      };
}

export function alarmFromRow(row: Record<string, unknown>): Alarm {
  const text = (value: unknown) => (typeof value === 'string' ? value : null);
  const num = (value: unknown) => (typeof value === 'number' ? value : null);
  const clearedAt = text(row.clearedAt);
  const acknowledgedAt = text(row.acknowledgedAt);
  return {
    alarmId: String(row.alarmId),
    ruleId: String(row.ruleId),
    deviceId: String(row.deviceId),
    severity: (text(row.severity) ?? 'warning') as Severity,
    description: text(row.description) ?? '',
    state: clearedAt ? 'cleared' : acknowledgedAt ? 'acknowledged' : 'active',
    raisedAt: text(row.raisedAt) ?? '',
    raisedValue: num(row.raisedValue),
    acknowledgedBy: text(row.acknowledgedBy),
    acknowledgedBySubject: text(row.acknowledgedBySubject),
    acknowledgedAt,
    clearedAt,
    clearedValue: num(row.clearedValue),
  };
}
