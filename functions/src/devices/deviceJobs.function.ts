import { tagPattern } from '../fleet/alarmRule';
import type { DeviceTagStore } from '../fleet/deviceTagStore';
import { AppError } from '../host/appError';
import { deviceIdRule, isValidDeviceId } from '../host/deviceId';
import type { HttpFunctionDefinition } from '../host/functionDefinition';
import { readJsonBody } from '../host/http';
import type { ModelChecks } from '../models/modelChecks';
import type { DeviceActivityStore } from './deviceActivityStore';
import type { DeviceJobs, JobSpec, JobTarget } from './deviceJobs';
import { commandNamePattern, commandNameRule, seconds } from './deviceTwin.function';

/** A job names at most this many devices by id; a tag selects any number. */
const maxDeviceIds = 100;

const jobShape =
  'send {"target": {"tag": "..."} | {"deviceIds": [...]}, and "desired": {...} or "command": {"name", "payload"?, "responseTimeoutInSeconds"?}}';

function parseTarget(value: unknown): JobTarget {
  const target = (value ?? {}) as { tag?: unknown; deviceIds?: unknown };
  if (typeof target.tag === 'string' && target.deviceIds === undefined) {
    if (!tagPattern.test(target.tag))
      throw new AppError(
        'validation_failed',
        'target.tag must be 1-64 letters, digits, "_", ".", ":" or "-"',
      );
    return { tag: target.tag };
  }
  if (Array.isArray(target.deviceIds) && target.tag === undefined) {
    const ids = [...new Set(target.deviceIds)];
    if (ids.length === 0 || ids.length > maxDeviceIds)
      throw new AppError(
        'validation_failed',
        `target.deviceIds names 1 to ${maxDeviceIds} devices; use a tag for more`,
      );
    for (const id of ids)
      if (typeof id !== 'string' || !isValidDeviceId(id))
        throw new AppError('validation_failed', `target.deviceIds: ${deviceIdRule}`);
    return { deviceIds: ids as string[] };
  }
  throw new AppError('validation_failed', `target must be {"tag"} or {"deviceIds"}; ${jobShape}`);
}

/** What a job asks for, checked before the hub sees it. */
export function parseJobSpec(body: unknown): JobSpec {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new AppError('validation_failed', jobShape);
  const input = body as Record<string, unknown>;
  const target = parseTarget(input.target);
  if ((input.desired === undefined) === (input.command === undefined))
    throw new AppError(
      'validation_failed',
      `a job sets desired properties or runs a command, one of the two; ${jobShape}`,
    );
  if (input.desired !== undefined) {
    const desired = input.desired;
    if (typeof desired !== 'object' || desired === null || Array.isArray(desired))
      throw new AppError(
        'validation_failed',
        'desired must be a JSON object; null deletes a property',
      );
    return { target, desired: desired as Record<string, unknown> };
  }
  const command = (input.command ?? {}) as Record<string, unknown>;
  if (typeof command.name !== 'string' || !commandNamePattern.test(command.name))
    throw new AppError('validation_failed', `command.name: ${commandNameRule}`);
  return {
    target,
    command: {
      name: command.name,
      payload: command.payload ?? null,
      responseTimeoutInSeconds: seconds(
        command.responseTimeoutInSeconds,
        'command.responseTimeoutInSeconds',
        {
          min: 5,
          max: 300,
          fallback: 30,
        },
      ),
    },
  };
}

/**
 * Jobs over many devices, run by IoT Hub's job engine: `POST /api/jobs` (Fleet.Operate) answers
 * `{jobId}`, `GET /api/jobs/{jobId}` (Fleet.Read) its status, counts and failures, and `POST
 * /api/jobs/{jobId}/cancel` (Fleet.Operate) stops it. Each device it targets records the job in
 * its activity (a tag's devices as fieldline knows them when the job is made).
 */
export function createDeviceJobsFunctions(deps: {
  readonly jobs?: DeviceJobs;
  readonly activity: Pick<DeviceActivityStore, 'record'>;
  readonly tags: Pick<DeviceTagStore, 'all'>;
  readonly checks: Pick<ModelChecks, 'command' | 'desired'>;
  readonly notConfigured: () => AppError;
}): HttpFunctionDefinition[] {
  const jobs = () => {
    if (!deps.jobs) throw deps.notConfigured();
    return deps.jobs;
  };
  /** A job is refused when any model among its devices would refuse it; the refusal says which. */
  async function checkAgainstModels(spec: JobSpec): Promise<void> {
    for (const [modelId, count] of await jobs().modelsOf(spec.target)) {
      try {
        if (spec.command)
          await deps.checks.command(modelId, spec.command.name, spec.command.payload);
        if (spec.desired) await deps.checks.desired(modelId, spec.desired);
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        throw new AppError(
          'validation_failed',
          `${count} of the job's devices use ${modelId}: ${error.message}`,
        );
      }
    }
  }
  return [
    {
      kind: 'http',
      name: 'createJob',
      route: 'jobs',
      methods: ['POST'],
      access: { kind: 'roles', anyOf: ['Fleet.Operate'] },
      maxBodyBytes: 64 * 1024,
      handler: async (request, _context, caller) => {
        const spec = parseJobSpec(await readJsonBody(request));
        await checkAgainstModels(spec);
        const job = await jobs().schedule(spec);
        const { target } = spec;
        const targeted =
          'tag' in target
            ? [...(await deps.tags.all())]
                .filter(([, tags]) => tags.includes(target.tag))
                .map(([id]) => id)
            : target.deviceIds;
        await deps.activity.record(targeted, caller, 'job', {
          jobId: job.jobId,
          target,
          ...(spec.desired ? { desired: spec.desired } : {}),
          ...(spec.command
            ? { command: { name: spec.command.name, payload: spec.command.payload } }
            : {}),
        });
        return { status: 202, jsonBody: { jobId: job.jobId, status: job.status } };
      },
    },
    {
      kind: 'http',
      name: 'getJob',
      route: 'jobs/{jobId}',
      methods: ['GET'],
      access: { kind: 'roles', anyOf: ['Fleet.Read'] },
      handler: async (request) => ({ jsonBody: await jobs().get(request.params.jobId ?? '') }),
    },
    {
      kind: 'http',
      name: 'cancelJob',
      route: 'jobs/{jobId}/cancel',
      methods: ['POST'],
      access: { kind: 'roles', anyOf: ['Fleet.Operate'] },
      handler: async (request) => ({ jsonBody: await jobs().cancel(request.params.jobId ?? '') }),
    },
  ];
}
