import { randomUUID } from 'node:crypto';
import { createHubRestCall, iotHubApiVersion } from '../gateway/iotHubRest';
import type { GatewayConfig } from '../gateway/settings';
import { AppError } from '../host/appError';
import { ExpiringCache } from '../storage/expiringCache';
import { hubRefusal } from './hubRefusal';

/** The twin tag fieldline mirrors a device's tags into, so that a job's condition can select them. */
export const mirroredTagsTag = 'fieldlineTags';

export type JobTarget = { readonly tag: string } | { readonly deviceIds: readonly string[] };

export interface JobSpec {
  readonly target: JobTarget;
  readonly desired?: Record<string, unknown>;
  readonly command?: {
    readonly name: string;
    readonly payload: unknown;
    readonly responseTimeoutInSeconds: number;
  };
}

export type JobState = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';

export interface JobView {
  readonly jobId: string;
  readonly type: 'desired' | 'command';
  readonly status: JobState;
  readonly createdTime: string;
  readonly endTime?: string;
  readonly counts: { total: number; succeeded: number; failed: number; pending: number };
  /** The devices the job failed on, once it has finished (at most 100). */
  readonly failures: readonly { deviceId: string; code: string; message: string }[];
}

interface HubJob {
  jobId: string;
  type: string;
  status: string;
  createdTime: string;
  endTime?: string;
  deviceJobStatistics?: {
    deviceCount?: number;
    failedCount?: number;
    succeededCount?: number;
    runningCount?: number;
    pendingCount?: number;
  };
}

const jobIdPattern = /^fl-[0-9a-f-]{36}$/;
const maxFailuresListed = 100;

/** A condition in the hub's query language that selects the target's devices. */
export function queryCondition(target: JobTarget): string {
  const quoted = (text: string) => `'${text.replaceAll("'", "''")}'`;
  if ('tag' in target) return `ARRAY_CONTAINS(tags.${mirroredTagsTag}, ${quoted(target.tag)})`;
  return `deviceId IN [${target.deviceIds.map(quoted).join(', ')}]`;
}

/**
 * Jobs through IoT Hub's own job engine (jobs v2 of the service REST API), so they keep to the
 * hub's throttles: schedule a desired-properties update or a command over a tag's devices or a list
 * of ids, read its progress, cancel it. A job's progress is cached for two seconds, and its
 * failures are read once it has finished: the hub allows S1 100 job reads and 20 queries a minute.
 */
export function createDeviceJobs(options: {
  gateway: GatewayConfig;
  authorization: () => Promise<string>;
  fetch?: typeof fetch;
  now?: () => number;
}) {
  const hub = createHubRestCall(options);
  const progress = new ExpiringCache<string, JobView>({
    ttlMs: 2_000,
    maxEntries: 1_000,
    ...(options.now ? { now: options.now } : {}),
  });
  const finishedFailures = new ExpiringCache<string, JobView['failures']>({
    ttlMs: 24 * 3_600_000,
    maxEntries: 1_000,
  });
  const jobUrl = (jobId: string, rest = '') =>
    `${options.gateway.endpoint}/jobs/v2/${encodeURIComponent(jobId)}${rest}?api-version=${iotHubApiVersion}`;

  const checked = (jobId: string) => {
    if (!jobIdPattern.test(jobId)) throw new AppError('not_found', `no job ${jobId}`);
    return jobId;
  };

  async function failures(jobId: string): Promise<JobView['failures']> {
    const cached = finishedFailures.lookup(jobId);
    if (cached.hit) return cached.value;
    const response = await hub(
      'POST',
      `${options.gateway.endpoint}/devices/query?api-version=${iotHubApiVersion}`,
      {
        body: {
          query: `SELECT * FROM devices.jobs WHERE devices.jobs.jobId = '${jobId}' AND devices.jobs.status = 'failed'`,
        },
        headers: { 'x-ms-max-item-count': String(maxFailuresListed) },
      },
    );
    if (!response.ok) throw await hubRefusal(response, `the failures of job ${jobId}`);
    const rows = (await response.json()) as {
      deviceId: string;
      error?: { code?: string; description?: string };
    }[];
    const listed = rows.map((row) => ({
      deviceId: row.deviceId,
      code: row.error?.code ?? 'Failed',
      message: row.error?.description ?? '',
    }));
    finishedFailures.set(jobId, listed);
    return listed;
  }

  async function view(job: HubJob): Promise<JobView> {
    const status = stateOf(job.status);
    const stats = job.deviceJobStatistics ?? {};
    const total = stats.deviceCount ?? 0;
    const succeeded = stats.succeededCount ?? 0;
    const failed = stats.failedCount ?? 0;
    const finished = status === 'completed' || status === 'failed' || status === 'cancelled';
    return {
      jobId: job.jobId,
      type: job.type === 'scheduleDeviceMethod' ? 'command' : 'desired',
      status,
      createdTime: job.createdTime,
      ...(job.endTime ? { endTime: job.endTime } : {}),
      counts: { total, succeeded, failed, pending: Math.max(0, total - succeeded - failed) },
      failures: finished && failed > 0 ? await failures(job.jobId) : [],
    };
  }

  return {
    /**
     * How many of the target's devices announce each model (devices without one are left out):
     * one twin query per 1,000 devices, so that a job is checked against every model it reaches.
     */
    async modelsOf(target: JobTarget): Promise<Map<string, number>> {
      const counts = new Map<string, number>();
      let continuation: string | undefined;
      do {
        const response = await hub(
          'POST',
          `${options.gateway.endpoint}/devices/query?api-version=${iotHubApiVersion}`,
          {
            body: {
              query: `SELECT deviceId, modelId FROM devices WHERE (${queryCondition(target)}) AND modelId != ''`,
            },
            headers: {
              'x-ms-max-item-count': '1000',
              ...(continuation ? { 'x-ms-continuation': continuation } : {}),
            },
          },
        );
        if (!response.ok) throw await hubRefusal(response, "the job's device models");
        continuation = response.headers.get('x-ms-continuation') ?? undefined;
        for (const row of (await response.json()) as { modelId?: string }[])
          if (row.modelId) counts.set(row.modelId, (counts.get(row.modelId) ?? 0) + 1);
      } while (continuation);
      return counts;
    },

    async schedule(spec: JobSpec): Promise<JobView> {
      const jobId = `fl-${randomUUID()}`;
      const body = {
        jobId,
        queryCondition: queryCondition(spec.target),
        startTime: null,
        maxExecutionTimeInSeconds: 3600,
        ...(spec.command
          ? {
              type: 'scheduleDeviceMethod',
              cloudToDeviceMethod: {
                methodName: spec.command.name,
                payload: spec.command.payload ?? null,
                responseTimeoutInSeconds: spec.command.responseTimeoutInSeconds,
                connectTimeoutInSeconds: 0,
              },
            }
          : { type: 'scheduleUpdateTwin', updateTwin: { properties: { desired: spec.desired } } }),
      };
      const response = await hub('PUT', jobUrl(jobId), { body });
      if (!response.ok) throw await hubRefusal(response, 'the job');
      return view((await response.json()) as HubJob);
    },

    async get(jobId: string): Promise<JobView> {
      const cached = progress.lookup(checked(jobId));
      if (cached.hit) return cached.value;
      const response = await hub('GET', jobUrl(jobId));
      if (!response.ok) throw await hubRefusal(response, `job ${jobId}`);
      const found = await view((await response.json()) as HubJob);
      progress.set(jobId, found);
      return found;
    },

    async cancel(jobId: string): Promise<JobView> {
      const response = await hub('POST', jobUrl(checked(jobId), '/cancel'));
      if (!response.ok) throw await hubRefusal(response, `job ${jobId}`);
      progress.delete(jobId);
      return view((await response.json()) as HubJob);
    },
  };
}

export type DeviceJobs = ReturnType<typeof createDeviceJobs>;

/** The hub's job states, as fieldline names them: `scheduled` and `enqueued` are still queued. */
function stateOf(status: string): JobState {
  if (
    status === 'running' ||
    status === 'completed' ||
    status === 'failed' ||
    status === 'cancelled'
  )
    return status;
  return 'queued';
}
