import { randomUUID } from 'node:crypto';
import {
  createDefaultHttpClient,
  createHttpHeaders,
  createPipelineRequest,
} from '@azure/core-rest-pipeline';
import type { TableClient } from '@azure/data-tables';
import { PermanentFailure } from '../host/failureKind';
import { entityLimitProblem, tableLimits } from './tableLimits';

/** An entity as the Table service's JSON wire format spells it (`PartitionKey`, `prop@odata.type`). */
export type WireEntity = { readonly PartitionKey: string; readonly RowKey: string } & Readonly<
  Record<string, string | number | boolean>
>;

export type EntityOperation =
  | { readonly kind: 'insert'; readonly entity: WireEntity }
  /** Replace guarded by the ETag read earlier: fails with 412 if anyone wrote in between. */
  | { readonly kind: 'replace'; readonly entity: WireEntity; readonly etag: string }
  /** Insert, or replace whatever is there. */
  | { readonly kind: 'upsert'; readonly entity: WireEntity }
  /** Insert, or merge these properties into whatever is there (others are kept). */
  | { readonly kind: 'merge'; readonly entity: WireEntity };

/** A failed transaction. Nothing in it was applied; `statusCode` is the failing operation's. */
export class EntityGroupTransactionError extends Error {
  override readonly name = 'EntityGroupTransactionError';

  constructor(
    message: string,
    readonly statusCode: number,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

/** A number stored as `Edm.Double`, whether or not it happens to be whole. */
export function doubleProperty(name: string, value: number): Record<string, number | string> {
  return { [name]: value, [`${name}@odata.type`]: 'Edm.Double' };
}

// Entity-group transactions take at most 100 operations, all in one partition.
export const maxOperationsPerTransaction = 100;
const crlf = '\r\n';
const httpClient = createDefaultHttpClient();

/**
 * Submits one entity-group transaction (`POST /$batch`, multipart/mixed, as documented for the Table
 * service) and returns the new ETag of each operation, in order.
 *
 * The SDK's `submitTransaction` sends the same request but runs every operation through a full
 * intercepting request pipeline first; at a hundred entities per batch that was most of the
 * ingest function's CPU. This builds the body directly and sends it through the client's own
 * pipeline, so authentication (shared key or Entra ID) and retries stay the SDK's.
 */
export async function submitEntityGroup(
  client: TableClient,
  operations: readonly EntityOperation[],
): Promise<string[]> {
  if (operations.length === 0) return [];
  if (operations.length > maxOperationsPerTransaction) {
    throw new Error(
      `a transaction takes at most ${maxOperationsPerTransaction} operations, got ${operations.length}`,
    );
  }
  for (const { entity } of operations) {
    const problem = entityLimitProblem(entity);
    if (problem) throw new PermanentFailure(`${client.tableName}: ${problem}`);
  }
  const base = client.url.split('?')[0]?.replace(/\/$/, '') ?? client.url;
  const batch = `batch_${randomUUID()}`;
  const changeset = `changeset_${randomUUID()}`;
  const parts = operations.map((operation) => subRequest(operation, `${base}/${client.tableName}`));
  const body =
    `--${batch}${crlf}Content-Type: multipart/mixed; boundary=${changeset}${crlf}${crlf}` +
    parts.map((part) => `--${changeset}${crlf}${part}`).join(crlf) +
    `${crlf}--${changeset}--${crlf}--${batch}--${crlf}`;
  const request = createPipelineRequest({
    url: `${base}/$batch`,
    method: 'POST',
    body,
    headers: createHttpHeaders({
      accept: 'application/json',
      'x-ms-version': '2019-02-02',
      DataServiceVersion: '3.0;',
      MaxDataServiceVersion: '3.0;NetFx',
      'Content-Type': `multipart/mixed; boundary=${batch}`,
    }),
    allowInsecureConnection: base.startsWith('http:'),
  });
  if (body.length * 2 > tableLimits.transactionBytes)
    throw new PermanentFailure(
      `${client.tableName}: a transaction of ${body.length * 2} bytes; at most ${tableLimits.transactionBytes}`,
    );
  const response = await client.pipeline.sendRequest(httpClient, request);
  const text = response.bodyAsText ?? '';
  if (response.status < 200 || response.status >= 300) throw errorFrom(text, response.status);
  const subResponses = text.split('--changesetresponse_').slice(1, -1);
  const etags: string[] = [];
  for (const sub of subResponses) {
    const status = Number(/HTTP\/1\.1 (\d{3})/.exec(sub)?.[1]);
    if (!(status >= 200 && status < 300)) throw errorFrom(sub, status || 500);
    etags.push(/^ETag: (.*?)\r?$/im.exec(sub)?.[1] ?? '');
  }
  if (etags.length !== operations.length) {
    throw new Error(`transaction answered ${etags.length} operations of ${operations.length}`);
  }
  return etags;
}

function subRequest(operation: EntityOperation, tableUrl: string): string {
  const { entity } = operation;
  const address = `${tableUrl}(PartitionKey='${keyInUrl(entity.PartitionKey)}',RowKey='${keyInUrl(entity.RowKey)}')`;
  const [line, condition] =
    operation.kind === 'insert'
      ? [`POST ${tableUrl} HTTP/1.1`, undefined]
      : operation.kind === 'replace'
        ? [`PUT ${address} HTTP/1.1`, operation.etag]
        : operation.kind === 'merge'
          ? [`MERGE ${address} HTTP/1.1`, undefined]
          : [`PUT ${address} HTTP/1.1`, undefined];
  const headers = [
    'Content-Type: application/json',
    'Accept: application/json;odata=minimalmetadata',
    'Prefer: return-no-content',
    'DataServiceVersion: 3.0;',
    ...(condition ? [`If-Match: ${condition}`] : []),
  ];
  return [
    'Content-Type: application/http',
    'Content-Transfer-Encoding: binary',
    '',
    line,
    ...headers,
    '',
    JSON.stringify(entity),
  ].join(crlf);
}

function keyInUrl(key: string): string {
  return encodeURIComponent(key.replaceAll("'", "''"));
}

function errorFrom(text: string, status: number): EntityGroupTransactionError {
  const json = /\{[\s\S]*\}/.exec(text)?.[0];
  let code: string | undefined;
  let message = `entity group transaction failed with ${status}`;
  if (json) {
    try {
      const error = (
        JSON.parse(json) as { 'odata.error'?: { code?: string; message?: { value?: string } } }
      )['odata.error'];
      code = error?.code;
      message = error?.message?.value ?? message;
    } catch {
      // Not JSON after all: keep the generic message.
    }
  }
  return new EntityGroupTransactionError(message, status, code);
}
