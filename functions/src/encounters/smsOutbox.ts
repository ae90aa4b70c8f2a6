import { randomBytes } from 'node:crypto';
import type { LazyTable } from '../storage/tableClientFactory';
import { deleteWhere, newestFirstKey, odataString } from '../storage/tableQueries';
import type { SmsMessage, SmsSender } from './smsSender';

export interface OutboxEntry extends SmsMessage {
  readonly id: string;
  readonly createdAt: string;
}

const partitionKey = 'outbox';

/** SMS kept in a table instead of sent: the local cloud's (and a test stage's) stand-in for Twilio. */
export class SmsOutbox {
  constructor(private readonly table: LazyTable) {}

  sender(now: () => number = Date.now): SmsSender {
    return {
      mode: 'outbox',
      send: async (message) => {
        const at = now();
        const id = `${newestFirstKey(at)}-${randomBytes(4).toString('hex')}`;
        await (await this.table.client()).createEntity({
          partitionKey,
          rowKey: id,
          to: message.to,
          body: message.body,
          username: message.username,
          createdAt: new Date(at).toISOString(),
        });
        return { id };
      },
    };
  }

  /** Deletes the SMS kept before `cutoffMs` (row keys are newest first). */
  async deleteOlderThan(cutoffMs: number, limit: number) {
    return deleteWhere(
      await this.table.client(),
      `PartitionKey eq '${partitionKey}' and RowKey gt ${odataString(newestFirstKey(cutoffMs))}`,
      limit,
    );
  }

  async list(limit: number): Promise<OutboxEntry[]> {
    const client = await this.table.client();
    const entries: OutboxEntry[] = [];
    const pages = client
      .listEntities<Record<string, string>>({
        queryOptions: { filter: `PartitionKey eq '${partitionKey}'` },
      })
      .byPage({ maxPageSize: Math.min(limit, 1000) });
    for await (const page of pages) {
      for (const entity of page) {
        entries.push({
          id: String(entity.rowKey),
          to: String(entity.to),
          body: String(entity.body),
          username: String(entity.username),
          createdAt: String(entity.createdAt),
        });
        if (entries.length === limit) return entries;
      }
    }
    return entries;
  }
}
