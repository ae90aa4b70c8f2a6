// The contracts the dashboard consumes come from the function code itself, so the two cannot drift.
import type { PublicDeviceState } from '../../functions/src/telemetry/contract';

/** A device as the API lists it: its public state and its tags. */
export type DeviceState = PublicDeviceState & { readonly tags?: readonly string[] };
export type {
  CommandOutcome,
  DeviceActivity,
  DeviceTwin,
  JobSpec,
  JobView,
} from '../../functions/src/devices/contract';
export type {
  Alarm,
  AlarmRule,
  HistoryBucket,
  HistoryInterval,
} from '../../functions/src/fleet/contract';
export type { HistoryPoint, Rejection } from '../../functions/src/telemetry/contract';
export { type MeasurementName, measurementNames } from '../../functions/src/telemetry/contract';
