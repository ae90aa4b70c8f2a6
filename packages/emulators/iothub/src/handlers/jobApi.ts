import type http from 'node:http';
import { sendJson } from '@fieldline/emulator-kit';
import { argumentInvalid, type HubError, sendHubError } from '../protocol/hubErrors';
import { parseSasToken } from '../protocol/sharedAccessSignature';
import { parseTwinQuery, QueryError } from '../protocol/twinQuery';
import { type JobRequest, type JobStore, jobResponse } from '../state/jobStore';
import type { Throttles } from '../state/throttles';
import type { Authorizer } from './authorization';
import type { JobEngine } from './jobEngine';
import { jsonBody } from './twinApi';

/** `/jobs/v2/{id}`, `/jobs/v2/{id}/cancel` and `/jobs/v2/query`. */
export const jobRoute = /^\/jobs\/v2\/([^/]+)(\/cancel)?$/;

export interface JobApiDeps {
  readonly hostName: string;
  readonly authorizer: Authorizer;
  readonly jobs: JobStore;
  readonly engine: JobEngine;
  readonly throttles: Throttles;
  readonly now: () => number;
}

/**
 * Jobs v2 for a back end: schedule a twin update or a direct method over the devices a condition
 * selects (`PUT`), read one (`GET`), cancel one (`POST .../cancel`), list them (`GET .../query`).
 * Reads take RegistryRead or ServiceConnect; scheduling and cancelling RegistryWrite or ServiceConnect.
 */
export async function handleJobRequest(
  jobId: string,
  cancel: boolean,
  request: http.IncomingMessage,
  response: http.ServerResponse,
  deps: JobApiDeps,
): Promise<void> {
  const reading = request.method === 'GET';
  const denied = deps.authorizer.anyOf(
    parseSasToken(request.headers.authorization),
    reading ? ['RegistryRead', 'ServiceConnect'] : ['RegistryWrite', 'ServiceConnect'],
    `${deps.hostName}/jobs`,
  );
  if (denied) return sendHubError(response, denied);
  const throttled = deps.throttles.take('jobOperations');
  if (throttled) return sendHubError(response, throttled);
  if (jobId === 'query' && reading) return listJobs(request, response, deps.jobs);
  if (cancel) {
    if (request.method !== 'POST') return sendHubError(response, notAllowed(request.method));
    const job = deps.engine.cancel(jobId);
    return job
      ? sendJson(response, 200, jobResponse(job))
      : sendHubError(response, jobNotFound(jobId));
  }
  if (reading) {
    const job = deps.jobs.get(jobId);
    return job
      ? sendJson(response, 200, jobResponse(job))
      : sendHubError(response, jobNotFound(jobId));
  }
  if (request.method !== 'PUT') return sendHubError(response, notAllowed(request.method));
  const body = await jsonBody(request);
  const parsed = readJobRequest(jobId, body, deps.now());
  if ('code' in parsed) return sendHubError(response, parsed);
  if (deps.jobs.get(jobId))
    return sendHubError(response, {
      status: 409,
      code: 'JobAlreadyExists',
      message: `job ${jobId} exists`,
    });
  const job = deps.engine.schedule(parsed);
  if ('code' in job) return sendHubError(response, job);
  sendJson(response, 200, jobResponse(job));
}

function listJobs(request: http.IncomingMessage, response: http.ServerResponse, jobs: JobStore) {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const type = url.searchParams.get('jobType');
  const status = url.searchParams.get('jobStatus');
  const found = jobs
    .all()
    .filter((job) => (!type || job.request.type === type) && (!status || job.status === status))
    .map(jobResponse);
  sendJson(response, 200, found);
}

function readJobRequest(jobId: string, body: unknown, now: number): JobRequest | HubError {
  const input = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  if (!/^[\w.:@$'()+,;=!*%-]{1,128}$/.test(jobId))
    return argumentInvalid(`jobId '${jobId}' is not valid`);
  if (input.jobId !== undefined && input.jobId !== jobId)
    return argumentInvalid('jobId in the body does not match the URL');
  const { type, queryCondition } = input;
  if (type !== 'scheduleUpdateTwin' && type !== 'scheduleDeviceMethod')
    return argumentInvalid('type must be scheduleUpdateTwin or scheduleDeviceMethod');
  if (typeof queryCondition !== 'string' || queryCondition.trim() === '')
    return argumentInvalid('queryCondition is required');
  try {
    parseTwinQuery(`SELECT * FROM devices WHERE ${queryCondition}`);
  } catch (error) {
    if (error instanceof QueryError)
      return { status: 400, code: 'BadRequest', message: `queryCondition: ${error.message}` };
    throw error;
  }
  const start =
    input.startTime === undefined || input.startTime === null
      ? now
      : Date.parse(String(input.startTime));
  if (Number.isNaN(start)) return argumentInvalid('startTime is not an ISO 8601 time');
  const maxSeconds = input.maxExecutionTimeInSeconds ?? 3600;
  if (!Number.isInteger(maxSeconds) || (maxSeconds as number) < 1)
    return argumentInvalid('maxExecutionTimeInSeconds must be a positive whole number');
  const common = {
    jobId,
    queryCondition,
    startTime: new Date(start).toISOString(),
    maxExecutionTimeInSeconds: maxSeconds as number,
  };
  if (type === 'scheduleUpdateTwin') {
    const update = input.updateTwin as JobRequest['updateTwin'] | undefined;
    if (
      typeof update !== 'object' ||
      update === null ||
      (!update.tags && !update.properties?.desired)
    )
      return argumentInvalid('updateTwin needs tags or properties.desired');
    return { ...common, type, updateTwin: update };
  }
  const method = (input.cloudToDeviceMethod ?? {}) as Record<string, unknown>;
  if (typeof method.methodName !== 'string' || method.methodName === '')
    return argumentInvalid('cloudToDeviceMethod.methodName is required');
  const responseTimeout = Number(method.responseTimeoutInSeconds ?? 30);
  const connectTimeout = Number(method.connectTimeoutInSeconds ?? 0);
  if (!Number.isInteger(responseTimeout) || responseTimeout < 5 || responseTimeout > 300)
    return argumentInvalid('responseTimeoutInSeconds must be 5 to 300');
  if (!Number.isInteger(connectTimeout) || connectTimeout < 0 || connectTimeout > 300)
    return argumentInvalid('connectTimeoutInSeconds must be 0 to 300');
  return {
    ...common,
    type,
    cloudToDeviceMethod: {
      methodName: method.methodName,
      payload: method.payload ?? null,
      responseTimeoutInSeconds: responseTimeout,
      connectTimeoutInSeconds: connectTimeout,
    },
  };
}

function jobNotFound(jobId: string): HubError {
  return { status: 404, code: 'JobNotFound', message: `job ${jobId} was not found` };
}

function notAllowed(method: string | undefined): HubError {
  return { status: 405, code: 'MethodNotAllowed', message: `${method} is not supported` };
}
