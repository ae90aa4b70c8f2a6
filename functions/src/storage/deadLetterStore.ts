import type { TableEntityResult } from '@azure/data-tables';
import { doubleProperty } from './entityGroupTransaction';
import type { LazyTable } from './tableClientFactory';
import { tableLimits } from './tableLimits';
import { deleteWhere, newestFirstKey, odataString } from './tableQueries';

/** Where a dead letter came from: a hub message, or a queue message. */
export type DeadLetterSource =
  | { readonly partitionId: string; readonly sequenceNumber: number; readonly enqueuedTime: string }
  | { readonly queueMessageId: string };

/** One event set aside because it can never succeed, with what is needed to resubmit it. */
export interface DeadLetter {
  readonly id: string;
  /** The function that set it aside. */
  readonly function: string;
  readonly reason: string;
  readonly source: DeadLetterSource;
  /** The device that sent it, when it came from the hub. */
  readonly deviceId?: string;
  /** Application properties it came with (hub messages). */
  readonly properties?: Readonly<Record<string, unknown>>;
  readonly deadLetteredAt: string;
  /** The body as text: JSON for objects, base64 for bytes (`bodyEncoding`). */
  readonly body: string;
  readonly bodyEncoding: 'text' | 'base64';
}

// Bodies are split across properties within the 64 KiB limit; hub messages are at most 256 KiB.
const chunkChars = tableLimits.propertyBytes / 2 - 1024;
const maxChunks = 12;

interface DeadLetterEntity {
  function: string;
  reason: string;
  source: string;
  deviceId?: string;
  properties?: string;
  deadLetteredAt: string;
  bodyEncoding: 'text' | 'base64';
  bodyChunks: number;
  [chunk: `body${number}`]: string;
}

/**
 * The `deadletters` table: one partition per function, newest first, so a listing reads about
 * what it returns. Saving the same event again (a redelivered batch) overwrites it.
 */
export class DeadLetterStore {
  constructor(
    private readonly table: LazyTable,
    /** The functions that dead-letter, for listing all of them. */
    private readonly functions: readonly string[],
  ) {}

  async save(
    letter: Omit<DeadLetter, 'id' | 'deadLetteredAt'>,
    now = new Date(),
  ): Promise<DeadLetter> {
    const sourceKey =
      'queueMessageId' in letter.source
        ? `q_${letter.source.queueMessageId}`
        : `h_${letter.source.partitionId}_${String(letter.source.sequenceNumber).padStart(16, '0')}`;
    const time =
      'enqueuedTime' in letter.source ? Date.parse(letter.source.enqueuedTime) : now.getTime();
    const id = `${newestFirstKey(time)}_${sourceKey}`;
    const body = letter.body.slice(0, chunkChars * maxChunks);
    const chunks = Math.max(1, Math.ceil(body.length / chunkChars));
    const entity = {
      partitionKey: letter.function,
      rowKey: id,
      function: letter.function,
      reason: letter.reason.slice(0, 2_000),
      source: JSON.stringify(letter.source),
      ...(letter.deviceId ? { deviceId: letter.deviceId } : {}),
      ...(letter.properties
        ? { properties: JSON.stringify(letter.properties).slice(0, 16_000) }
        : {}),
      deadLetteredAt: now.toISOString(),
      bodyEncoding: letter.bodyEncoding,
      ...doubleProperty('bodyChunks', chunks),
      ...Object.fromEntries(
        Array.from({ length: chunks }, (_, i) => [
          `body${i}`,
          body.slice(i * chunkChars, (i + 1) * chunkChars),
        ]),
      ),
    };
    await (await this.table.client()).upsertEntity(entity, 'Replace');
    return { ...letter, id, deadLetteredAt: entity.deadLetteredAt, body };
  }

  /** Newest first: one function's, or every function's. Reads at most `limit` per function. */
  async list(query: { function?: string; limit: number }): Promise<DeadLetter[]> {
    const client = await this.table.client();
    const functions = query.function ? [query.function] : this.functions;
    const pages = await Promise.all(
      functions.map(async (name) => {
        const found: DeadLetter[] = [];
        const entities = client.listEntities<DeadLetterEntity>({
          queryOptions: { filter: `PartitionKey eq ${odataString(name)}` },
        });
        for await (const page of entities.byPage({ maxPageSize: query.limit })) {
          found.push(...page.map(fromEntity));
          break; // the first page is the newest `limit`
        }
        return found;
      }),
    );
    return pages
      .flat()
      .sort((a, b) => a.id.localeCompare(b.id))
      .slice(0, query.limit);
  }

  async get(functionName: string, id: string): Promise<DeadLetter | undefined> {
    try {
      return fromEntity(
        await (await this.table.client()).getEntity<DeadLetterEntity>(functionName, id),
      );
    } catch {
      return undefined;
    }
  }

  /** Deletes dead letters of events enqueued before `cutoffMs` (row keys are newest first). */
  async deleteOlderThan(cutoffMs: number, limit: number) {
    return deleteWhere(
      await this.table.client(),
      `RowKey gt ${odataString(newestFirstKey(cutoffMs))}`,
      limit,
    );
  }

  async remove(functionName: string, id: string): Promise<void> {
    await (await this.table.client()).deleteEntity(functionName, id).catch(() => undefined);
  }
}

function fromEntity(entity: TableEntityResult<DeadLetterEntity>): DeadLetter {
  const chunks = Number(entity.bodyChunks);
  let body = '';
  for (let i = 0; i < chunks; i++) body += entity[`body${i}`] ?? '';
  return {
    id: entity.rowKey as string,
    function: entity.function,
    reason: entity.reason,
    source: JSON.parse(entity.source) as DeadLetterSource,
    ...(entity.deviceId ? { deviceId: entity.deviceId } : {}),
    ...(entity.properties
      ? { properties: JSON.parse(entity.properties) as Record<string, unknown> }
      : {}),
    deadLetteredAt: entity.deadLetteredAt,
    body,
    bodyEncoding: entity.bodyEncoding,
  };
}
