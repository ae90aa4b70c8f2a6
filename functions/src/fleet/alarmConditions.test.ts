import { describe, expect, it } from 'vitest';
import { type AlarmConditions, evaluateThresholdRules } from './alarmConditions';
import type { ThresholdRule } from './alarmRule';

const rule = (overrides: Partial<ThresholdRule> = {}): ThresholdRule => ({
  kind: 'threshold',
  ruleId: 'hot',
  metric: 'temperature',
  op: '>',
  threshold: 22,
  forSeconds: 0,
  scope: { fleet: true },
  severity: 'critical',
  description: 'too hot',
  ...overrides,
});

const at = (second: number) => new Date(Date.UTC(2026, 11, 1, 10, 0, second)).toISOString();
let seq = 0;
const reading = (second: number, temperature: number | undefined) => ({
  t: at(second),
  seq: seq++,
  values: temperature === undefined ? {} : { temperature },
});

function run(
  rules: ThresholdRule[],
  readings: ReturnType<typeof reading>[],
  from: AlarmConditions = {},
) {
  return evaluateThresholdRules(from, rules, readings, 'd1', '3');
}

describe('threshold alarms', () => {
  it('holds exactly at the threshold only for >= and <=', () => {
    expect(run([rule({ op: '>' })], [reading(0, 22)]).transitions).toEqual([]);
    expect(run([rule({ op: '>=' })], [reading(0, 22)]).transitions).toMatchObject([
      { state: 'active', value: 22 },
    ]);
    expect(run([rule({ op: '<', threshold: 5 })], [reading(0, 5)]).transitions).toEqual([]);
    expect(run([rule({ op: '<=', threshold: 5 })], [reading(0, 5)]).transitions).toHaveLength(1);
  });

  it('raises once the condition has held for forSeconds: not a second short, exactly when met', () => {
    const slow = rule({ forSeconds: 30 });
    const short = run([slow], [reading(0, 25), reading(29, 26)]);
    expect(short.transitions).toEqual([]);
    expect(short.conditions).toEqual({ hot: { since: at(0) } });
    const met = run([slow], [reading(30, 24)], short.conditions);
    expect(met.transitions).toEqual([
      expect.objectContaining({ state: 'active', value: 24, at: at(30), deviceId: 'd1' }),
    ]);
    // The alarm id names the message that raised it, so a replay names the same one.
    expect(met.transitions[0]?.alarmId).toMatch(/^3-\d+-hot$/);
  });

  it('restarts the wait when a reading breaks the condition before forSeconds', () => {
    const slow = rule({ forSeconds: 30 });
    const broken = run([slow], [reading(0, 25), reading(10, 20), reading(20, 25), reading(45, 25)]);
    expect(broken.transitions).toEqual([]);
    expect(run([slow], [reading(50, 25)], broken.conditions).transitions).toHaveLength(1);
  });

  it('does not raise again or re-announce while active, and clears at the first reading that is fine', () => {
    const raised = run([rule()], [reading(0, 23), reading(1, 30), reading(2, 40)]);
    expect(raised.transitions.map((t) => t.state)).toEqual(['active']);
    const still = run([rule()], [reading(3, 25)], raised.conditions);
    expect(still.transitions).toEqual([]);
    const cleared = run([rule()], [reading(4, undefined), reading(5, 21.5)], still.conditions);
    expect(cleared.transitions).toEqual([
      expect.objectContaining({
        state: 'cleared',
        value: 21.5,
        alarmId: raised.transitions[0]?.alarmId,
      }),
    ]);
    expect(cleared.conditions).toEqual({});
  });

  it('clears the alarm of a rule that no longer applies', () => {
    const raised = run([rule()], [reading(0, 30)]);
    const removed = run([], [reading(1, 30)], raised.conditions);
    expect(removed.transitions).toEqual([
      expect.objectContaining({ state: 'cleared', severity: 'critical', value: null }),
    ]);
    expect(removed.conditions).toEqual({});
  });
});
