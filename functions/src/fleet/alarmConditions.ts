import type { Measurements } from '../telemetry/measurements';
import { type AlarmRule, conditionHolds, type Severity, type ThresholdRule } from './alarmRule';

/** Where a rule stands for one device: held since `since`, and raised as `alarmId` once long enough. */
export interface AlarmCondition {
  readonly since: string;
  readonly alarmId?: string;
  readonly severity?: Severity;
}

/** By rule id; kept in the device's state row, so it changes exactly once per message. */
export type AlarmConditions = Readonly<Record<string, AlarmCondition>>;

export type AlarmState = 'active' | 'acknowledged' | 'cleared';

/** A change of an alarm, as stored and as sent to dashboards (`alarm` messages). */
export interface AlarmTransition {
  readonly alarmId: string;
  readonly ruleId: string;
  readonly deviceId: string;
  readonly state: AlarmState;
  /** The reading that caused it; null when none did (a removed rule, an offline device). */
  readonly value: number | null;
  readonly at: string;
  readonly severity: Severity;
  readonly description: string;
}

export interface TimedReading {
  readonly t: string;
  readonly seq: number;
  readonly values: Measurements;
}

/**
 * Runs a device's new readings, in hub order, through the threshold rules that apply to it. A
 * condition starts when a reading meets it, raises an alarm once readings have met it for
 * `forSeconds` (by enqueued time; 0 raises at once), and clears at the first reading that does
 * not; while raised it is neither raised again nor re-announced. A reading without the rule's
 * metric says nothing about it. Conditions of rules that no longer apply are dropped, clearing
 * their alarm. The alarm id names the hub message that raised it, so a replay names the same one.
 */
export function evaluateThresholdRules(
  current: AlarmConditions,
  rules: readonly ThresholdRule[],
  readings: readonly TimedReading[],
  deviceId: string,
  partitionId: string,
): { conditions: AlarmConditions; transitions: AlarmTransition[] } {
  const conditions: Record<string, AlarmCondition> = { ...current };
  const transitions: AlarmTransition[] = [];
  const transition = (
    rule: Pick<AlarmRule, 'ruleId' | 'severity' | 'description'>,
    alarmId: string,
    state: AlarmState,
    value: number | null,
    at: string,
  ) =>
    transitions.push({
      alarmId,
      ruleId: rule.ruleId,
      deviceId,
      state,
      value,
      at,
      severity: rule.severity,
      description: rule.description,
    });

  const applying = new Set(rules.map((rule) => rule.ruleId));
  const lastAt = readings.at(-1)?.t;
  for (const [ruleId, condition] of Object.entries(conditions)) {
    if (applying.has(ruleId)) continue;
    delete conditions[ruleId];
    if (condition.alarmId && lastAt)
      transition(
        {
          ruleId,
          severity: condition.severity ?? 'info',
          description: 'the rule was removed or no longer applies',
        },
        condition.alarmId,
        'cleared',
        null,
        lastAt,
      );
  }

  for (const reading of readings) {
    for (const rule of rules) {
      const value = reading.values[rule.metric];
      if (value === undefined) continue;
      const condition = conditions[rule.ruleId];
      if (!conditionHolds(rule, value)) {
        if (condition?.alarmId) transition(rule, condition.alarmId, 'cleared', value, reading.t);
        delete conditions[rule.ruleId];
        continue;
      }
      const since = condition?.since ?? reading.t;
      if (condition?.alarmId) continue;
      if (Date.parse(reading.t) - Date.parse(since) >= rule.forSeconds * 1000) {
        const alarmId = `${partitionId}-${reading.seq}-${rule.ruleId}`;
        conditions[rule.ruleId] = { since, alarmId, severity: rule.severity };
        transition(rule, alarmId, 'active', value, reading.t);
      } else conditions[rule.ruleId] = { since };
    }
  }
  return { conditions, transitions };
}
