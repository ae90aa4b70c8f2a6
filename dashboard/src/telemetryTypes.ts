// The contracts the dashboard consumes come from the function code itself, so the two cannot drift.
import type { PublicDeviceState } from '../../functions/src/telemetry/deviceState';

/** A device as the API lists it: its public state and its tags. */
export type DeviceState = PublicDeviceState & { readonly tags?: readonly string[] };
export type { Alarm } from '../../functions/src/fleet/alarmRows';
export type { AlarmRule } from '../../functions/src/fleet/alarmRule';
export type { HistoryBucket, HistoryInterval } from '../../functions/src/fleet/rollups';
export type { HistoryPoint } from '../../functions/src/telemetry/deviceState';
export { type MeasurementName, measurementNames } from '../../functions/src/telemetry/measurements';
export type { Rejection } from '../../functions/src/telemetry/rejection';
