import type http from 'node:http';
import { sendJson } from '@fieldline/emulator-kit';
import { argumentInvalid, sendHubError } from '../protocol/hubErrors';
import { parseSasToken } from '../protocol/sharedAccessSignature';
import { parseTwinQuery, QueryError } from '../protocol/twinQuery';
import { deviceJobDocument, type JobStore } from '../state/jobStore';
import type { Throttles } from '../state/throttles';
import type { Authorizer } from './authorization';
import { jsonBody, type TwinReadDeps, twinDocument } from './twinApi';

export const queryRoute = /^\/devices\/query$/;

const defaultPageSize = 100;
const maxPageSize = 1000;

/**
 * `POST /devices/query`: twins matching a query, a page at a time (`x-ms-max-item-count`), with
 * `x-ms-continuation` naming the next page and absent on the last, which is how azure-iothub's
 * `Query` tells that no results remain.
 */
export type QueryDeps = TwinReadDeps & {
  readonly hostName: string;
  readonly authorizer: Authorizer;
  readonly jobs: JobStore;
  readonly throttles: Throttles;
};

export async function handleQueryRequest(
  request: http.IncomingMessage,
  response: http.ServerResponse,
  deps: QueryDeps,
): Promise<void> {
  const denied = deps.authorizer.anyOf(
    parseSasToken(request.headers.authorization),
    ['RegistryRead', 'ServiceConnect'],
    `${deps.hostName}/devices`,
  );
  if (denied) return sendHubError(response, denied);
  const throttled = deps.throttles.take('queries');
  if (throttled) return sendHubError(response, throttled);
  if (request.method !== 'POST')
    return sendHubError(response, {
      status: 405,
      code: 'MethodNotAllowed',
      message: `${request.method} is not supported`,
    });
  const pageSize = Number(request.headers['x-ms-max-item-count'] ?? defaultPageSize);
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > maxPageSize)
    return sendHubError(
      response,
      argumentInvalid(`x-ms-max-item-count must be 1 to ${maxPageSize}`),
    );
  const after = readContinuation(request.headers['x-ms-continuation']);
  if (after === null)
    return sendHubError(response, argumentInvalid('the continuation token is not valid'));
  const body = await jsonBody(request);
  const text = (body as { query?: unknown } | null)?.query;
  if (typeof text !== 'string')
    return sendHubError(response, argumentInvalid('the body needs a query'));
  let query: ReturnType<typeof parseTwinQuery>;
  try {
    query = parseTwinQuery(text);
  } catch (error) {
    if (error instanceof QueryError)
      return sendHubError(response, {
        status: 400,
        code: 'BadRequest',
        message: `Query: ${error.message}`,
      });
    throw error;
  }
  const page = selectPage(query, after, pageSize, deps);
  sendJson(response, 200, page.items, {
    'x-ms-item-type': query.select ? 'Raw' : query.source === 'devices' ? 'Twin' : 'DeviceJob',
    ...(page.next ? { 'x-ms-continuation': Buffer.from(page.next).toString('base64url') } : {}),
  });
}

/** The matching documents after the key `after`, in key order, and the last key when more may follow. */
function selectPage(
  query: ReturnType<typeof parseTwinQuery>,
  after: string,
  pageSize: number,
  deps: QueryDeps,
): { items: object[]; next: string | undefined } {
  const items: object[] = [];
  let last = after;
  for (const [key, document] of documents(query.source, deps)) {
    if (key <= after) continue;
    const found = document();
    if (!query.matches(found)) continue;
    if (items.length === pageSize) return { items, next: last };
    items.push(query.project(found));
    last = key;
  }
  return { items, next: undefined };
}

/** What a query runs over, by a key in paging order, each built only when it is reached. */
function documents(source: 'devices' | 'devices.jobs', deps: QueryDeps): [string, () => object][] {
  if (source === 'devices')
    return deps.registry.ids().map((deviceId) => [deviceId, () => twinDocument(deviceId, deps)]);
  return deps.jobs
    .all()
    .flatMap((job) =>
      [...job.devices.values()].map((device): [string, () => object] => [
        `${job.request.jobId}\u0000${device.deviceId}`,
        () => deviceJobDocument(job, device),
      ]),
    )
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The id the previous page ended at; '' for the first page; null for a token we did not issue. */
function readContinuation(header: string | string[] | undefined): string | null {
  if (header === undefined || header === '') return '';
  if (typeof header !== 'string') return null;
  const decoded = Buffer.from(header, 'base64url').toString('utf8');
  return decoded === '' ? null : decoded;
}
