// Jobs v2 as the service REST API (2021-04-12) shows them, and each device's part in one:
// https://learn.microsoft.com/azure/iot-hub/iot-hub-devguide-jobs
// https://learn.microsoft.com/rest/api/iothub/service/jobs

export type JobType = 'scheduleUpdateTwin' | 'scheduleDeviceMethod';
export type JobStatus = 'queued' | 'scheduled' | 'running' | 'completed' | 'failed' | 'cancelled';
export type DeviceJobStatus = 'pending' | 'running' | 'completed' | 'failed' | 'cancelled';

export interface CloudToDeviceMethod {
  readonly methodName: string;
  readonly payload: unknown;
  readonly responseTimeoutInSeconds: number;
  readonly connectTimeoutInSeconds: number;
}

export interface JobRequest {
  readonly jobId: string;
  readonly type: JobType;
  readonly queryCondition: string;
  readonly startTime: string;
  readonly maxExecutionTimeInSeconds: number;
  readonly cloudToDeviceMethod?: CloudToDeviceMethod;
  readonly updateTwin?: { readonly tags?: object; readonly properties?: { desired?: object } };
}

export interface DeviceJob {
  readonly deviceId: string;
  status: DeviceJobStatus;
  startTimeUtc?: string;
  endTimeUtc?: string;
  lastUpdatedDateTimeUtc: string;
  outcome?: { deviceMethodResponse: { status: number; payload: unknown } };
  error?: { code: string; description: string };
}

export interface Job {
  readonly request: JobRequest;
  readonly createdTime: string;
  status: JobStatus;
  endTime?: string;
  failureReason?: string;
  /** Filled when the job starts: the devices its condition selected then. */
  readonly devices: Map<string, DeviceJob>;
}

/** Every job the hub knows, kept (like the hub's history) until the emulator stops. */
export class JobStore {
  private readonly jobs = new Map<string, Job>();

  add(request: JobRequest, createdTime: string, status: JobStatus): Job {
    const job: Job = { request, createdTime, status, devices: new Map() };
    this.jobs.set(request.jobId, job);
    return job;
  }

  get(jobId: string): Job | undefined {
    return this.jobs.get(jobId);
  }

  all(): Job[] {
    return [...this.jobs.values()];
  }

  /** Jobs that count against the tier's limit on active jobs. */
  active(): Job[] {
    return this.all().filter((job) => ['queued', 'scheduled', 'running'].includes(job.status));
  }
}

export function isFinished(status: JobStatus): boolean {
  return status === 'completed' || status === 'failed' || status === 'cancelled';
}

/** A job as `GET /jobs/v2/{id}` answers with it. */
export function jobResponse(job: Job) {
  const { request } = job;
  const counts = {
    deviceCount: job.devices.size,
    failedCount: 0,
    succeededCount: 0,
    runningCount: 0,
    pendingCount: 0,
  };
  for (const device of job.devices.values()) {
    if (device.status === 'completed') counts.succeededCount++;
    else if (device.status === 'failed' || device.status === 'cancelled') counts.failedCount++;
    else if (device.status === 'running') counts.runningCount++;
    else counts.pendingCount++;
  }
  return {
    jobId: request.jobId,
    type: request.type,
    queryCondition: request.queryCondition,
    createdTime: job.createdTime,
    startTime: request.startTime,
    ...(job.endTime ? { endTime: job.endTime } : {}),
    maxExecutionTimeInSeconds: request.maxExecutionTimeInSeconds,
    status: job.status,
    ...(job.failureReason ? { failureReason: job.failureReason } : {}),
    ...(request.cloudToDeviceMethod ? { cloudToDeviceMethod: request.cloudToDeviceMethod } : {}),
    ...(request.updateTwin ? { updateTwin: request.updateTwin } : {}),
    deviceJobStatistics: counts,
  };
}

/** A device's part in a job, as a `SELECT * FROM devices.jobs` query answers with it. */
export function deviceJobDocument(job: Job, device: DeviceJob) {
  return {
    deviceId: device.deviceId,
    jobId: job.request.jobId,
    jobType: job.request.type,
    status: device.status,
    createdDateTimeUtc: job.createdTime,
    ...(device.startTimeUtc ? { startTimeUtc: device.startTimeUtc } : {}),
    ...(device.endTimeUtc ? { endTimeUtc: device.endTimeUtc } : {}),
    lastUpdatedDateTimeUtc: device.lastUpdatedDateTimeUtc,
    ...(device.outcome ? { outcome: device.outcome } : {}),
    ...(device.error ? { error: device.error } : {}),
  };
}
