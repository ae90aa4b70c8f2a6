// What the fleet API sends and takes, as the dashboard reads and checks it.
export type { Alarm } from './alarmRows';
export { type AlarmRule, parseAlarmRule } from './alarmRule';
export type { HistoryBucket, HistoryInterval } from './rollups';
