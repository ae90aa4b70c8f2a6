// What the telemetry API and the operators' hub send, as the dashboard reads it.
export { emptyDeviceState, type HistoryPoint, type PublicDeviceState } from './deviceState';
export { type MeasurementName, measurementNames } from './measurements';
export type { Rejection } from './rejection';
