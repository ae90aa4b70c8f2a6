import type { FeatureParts } from '../host/feature';
import type { Services } from '../services';
import { createAlarmRulesFunctions } from './alarmRules.function';
import { createAlarmsFunctions } from './alarms.function';
import { createDeviceTagsFunctions } from './deviceTags.function';
import type { FleetDeps } from './fleetDeps';
import { createHistoryFunctions } from './history.function';
import type { FleetConfig } from './settings';

export { readSettings } from './settings';

/** Alarm rules, alarms and their acknowledgement, device tags, history and its CSV export. */
export function create(settings: FleetConfig, shared: Services): FeatureParts {
  const deps: FleetDeps = {
    ...shared.fleet,
    historyRetentionDays: settings.historyRetentionDays,
    deviceStates: shared.deviceStates,
    realtime: shared.realtime,
    deadLetters: shared.deadLetters,
    ...(shared.devices.twins ? { mirrorTags: shared.devices.twins.mirrorTags } : {}),
  };
  return {
    functions: [
      ...createAlarmRulesFunctions(deps),
      ...createAlarmsFunctions(deps),
      ...createDeviceTagsFunctions(deps),
      ...createHistoryFunctions(deps),
    ],
  };
}
