import type { HubError } from '../protocol/hubErrors';
import { parseTwinQuery } from '../protocol/twinQuery';
import {
  type DeviceJob,
  isFinished,
  type Job,
  type JobRequest,
  type JobStore,
} from '../state/jobStore';
import type { RegistryStore } from '../state/registryStore';
import { maxActiveJobs, type Throttles } from '../state/throttles';
import { TwinError, type TwinStore } from '../state/twinStore';
import type { DeviceChannels } from './deviceChannels';
import type { HubEvents } from './hubEvents';
import { twinDocument } from './twinApi';

export interface JobEngineDeps {
  readonly jobs: JobStore;
  readonly registry: RegistryStore;
  readonly twins: TwinStore;
  readonly events: HubEvents;
  readonly throttles: Throttles;
  /** Read when a job runs: the MQTT door sets them once it listens. */
  readonly channels: () => DeviceChannels | undefined;
  readonly now?: () => number;
}

export interface JobEngine {
  /** Accepts a job (a 429 when the tier's active jobs are all taken) and runs it at its start time. */
  schedule(request: JobRequest): Job | HubError;
  /** Stops a job that has not finished: its devices not yet done are cancelled. */
  cancel(jobId: string): Job | undefined;
  stop(): void;
}

/** Devices a job works on at once; the tier's job throttle paces them further. */
const concurrency = 50;

/**
 * The hub's job engine: at its start time a job selects its devices with its condition, then
 * updates each one's twin or calls its method, at the pace the tier's "jobs device operations"
 * throttle allows, recording each device's outcome, until all are done, it is cancelled, or its
 * maximum execution time passes (what is left then fails).
 */
export function createJobEngine(deps: JobEngineDeps): JobEngine {
  const now = deps.now ?? Date.now;
  const timers = new Set<NodeJS.Timeout>();
  const iso = () => new Date(now()).toISOString();
  const later = (ms: number, run: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      run();
    }, ms);
    timers.add(timer);
  };

  async function run(job: Job) {
    if (job.status === 'cancelled') return;
    job.status = 'running';
    const query = parseTwinQuery(`SELECT * FROM devices WHERE ${job.request.queryCondition}`);
    const channels = deps.channels();
    for (const deviceId of deps.registry.ids())
      if (query.matches(twinDocument(deviceId, { ...deps, channels })))
        job.devices.set(deviceId, { deviceId, status: 'pending', lastUpdatedDateTimeUtc: iso() });
    const deadline =
      Date.parse(job.request.startTime) + job.request.maxExecutionTimeInSeconds * 1000;
    const queue = [...job.devices.values()];
    const worker = async () => {
      for (let device = queue.shift(); device; device = queue.shift()) {
        if (job.status !== 'running') return;
        if (now() > deadline) {
          finish(device, 'failed', {
            error: { code: 'JobRunPreconditionFailed', description: 'the job ran out of time' },
          });
          continue;
        }
        let wait = deps.throttles.waitFor('jobDeviceOperations');
        while (wait > 0) {
          await new Promise((resolve) => setTimeout(resolve, wait));
          wait = deps.throttles.waitFor('jobDeviceOperations');
        }
        deps.throttles.take('jobDeviceOperations');
        if (job.status !== 'running') return;
        await runOnDevice(job.request, device);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    if (job.status !== 'running') return;
    const failed = [...job.devices.values()].some((device) => device.status === 'failed');
    job.status = now() > deadline && failed ? 'failed' : 'completed';
    if (job.status === 'failed') job.failureReason = 'the job ran past maxExecutionTimeInSeconds';
    job.endTime = iso();
  }

  function finish(device: DeviceJob, status: DeviceJob['status'], result: Partial<DeviceJob> = {}) {
    Object.assign(device, result);
    device.status = status;
    device.endTimeUtc = iso();
    device.lastUpdatedDateTimeUtc = device.endTimeUtc;
  }

  async function runOnDevice(request: JobRequest, device: DeviceJob) {
    device.status = 'running';
    device.startTimeUtc = iso();
    device.lastUpdatedDateTimeUtc = device.startTimeUtc;
    const { deviceId } = device;
    if (request.type === 'scheduleUpdateTwin') {
      try {
        const { desiredPatch, tags, twinVersion } = deps.twins.update(
          deviceId,
          request.updateTwin,
          undefined,
          'merge',
        );
        if (desiredPatch) deps.channels()?.desiredChanged(deviceId, desiredPatch);
        if (desiredPatch || tags)
          deps.events.twinChanged(deviceId, 'updateTwin', {
            version: twinVersion,
            ...(tags ? { tags } : {}),
            ...(desiredPatch ? { properties: { desired: desiredPatch } } : {}),
          });
        finish(device, 'completed');
      } catch (error) {
        if (!(error instanceof TwinError)) throw error;
        finish(device, 'failed', { error: { code: error.code, description: error.message } });
      }
      return;
    }
    const method = request.cloudToDeviceMethod;
    const channels = deps.channels();
    const result =
      method && channels
        ? await channels.invoke(deviceId, {
            name: method.methodName,
            payload: method.payload,
            timeoutSeconds: method.responseTimeoutInSeconds,
            connectTimeoutSeconds: method.connectTimeoutInSeconds,
          })
        : {
            status: 404,
            code: 'DeviceNotOnline',
            message: `device ${deviceId} is not online (404103)`,
          };
    if ('code' in result)
      finish(device, 'failed', { error: { code: result.code, description: result.message } });
    else
      finish(device, 'completed', {
        outcome: { deviceMethodResponse: { status: result.status, payload: result.payload } },
      });
  }

  return {
    schedule(request) {
      const tier = deps.throttles.tier;
      if (tier && deps.jobs.active().length >= maxActiveJobs[tier])
        return {
          status: 429,
          code: 'ThrottlingMaxActiveJobCountExceeded',
          message: `the ${tier} tier runs at most ${maxActiveJobs[tier]} job(s) at once (429003)`,
        };
      const delay = Math.max(0, Date.parse(request.startTime) - now());
      const job = deps.jobs.add(request, iso(), delay > 0 ? 'scheduled' : 'queued');
      later(delay, () => {
        run(job).catch((error: unknown) => {
          job.status = 'failed';
          job.failureReason = error instanceof Error ? error.message : String(error);
          job.endTime = iso();
        });
      });
      return job;
    },
    cancel(jobId) {
      const job = deps.jobs.get(jobId);
      if (!job) return undefined;
      if (isFinished(job.status)) return job;
      job.status = 'cancelled';
      job.endTime = iso();
      for (const device of job.devices.values())
        if (device.status === 'pending') finish(device, 'cancelled');
      return job;
    },
    stop() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const job of deps.jobs.active()) job.status = 'cancelled';
    },
  };
}
