import type { AlarmTransition } from './alarmConditions';
import type { Alarm } from './alarmRows';
import { type AlarmRule, type OfflineRule, ruleApplies } from './alarmRule';
import { offlineAlarmId, offlineKey } from './alarmStore';

/**
 * What the offline timer changes: an alarm for each device a rule watches that has sent nothing
 * for `afterSeconds`, and a clear for each such alarm whose device has sent since (or whose rule
 * is gone). A device that has never sent is not watched: there is nothing to be offline from.
 */
export function offlineTransitions(input: {
  readonly rules: readonly AlarmRule[];
  readonly devices: readonly { readonly deviceId: string; readonly lastSeen: string | null }[];
  readonly tags: ReadonlyMap<string, readonly string[]>;
  readonly active: ReadonlyMap<string, Alarm>;
  readonly now: number;
}): AlarmTransition[] {
  const at = new Date(input.now).toISOString();
  const rules = input.rules.filter((rule): rule is OfflineRule => rule.kind === 'offline');
  const transitions: AlarmTransition[] = [];
  const stillOffline = new Set<string>();
  for (const rule of rules) {
    for (const device of input.devices) {
      if (
        !device.lastSeen ||
        !ruleApplies(rule, device.deviceId, input.tags.get(device.deviceId) ?? [])
      )
        continue;
      if (input.now - Date.parse(device.lastSeen) < rule.afterSeconds * 1000) continue;
      const key = offlineKey(rule.ruleId, device.deviceId);
      stillOffline.add(key);
      if (input.active.has(key)) continue;
      transitions.push({
        alarmId: offlineAlarmId(rule, device.deviceId, input.now),
        ruleId: rule.ruleId,
        deviceId: device.deviceId,
        state: 'active',
        value: null,
        at,
        severity: rule.severity,
        description: rule.description,
      });
    }
  }
  for (const [key, alarm] of input.active) {
    if (stillOffline.has(key)) continue;
    const { alarmId, ruleId, deviceId, severity, description } = alarm;
    transitions.push({
      alarmId,
      ruleId,
      deviceId,
      severity,
      description,
      state: 'cleared',
      value: null,
      at,
    });
  }
  return transitions;
}
