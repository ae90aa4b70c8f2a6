// What the device twin, command, job and activity APIs answer with, as the dashboard reads it.
export type { DeviceActivity } from './deviceActivityStore';
export type { JobSpec, JobView } from './deviceJobs';
export type { CommandOutcome, DeviceTwin, ModelUsage } from './deviceTwins';
