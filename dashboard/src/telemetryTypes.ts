// The contracts the dashboard consumes come from the function code itself, so the two cannot drift.
export type { DeviceState, HistoryPoint } from '../../functions/src/telemetry/deviceState';
export { type MeasurementName, measurementNames } from '../../functions/src/telemetry/measurements';
export type { Rejection } from '../../functions/src/telemetry/rejection';
