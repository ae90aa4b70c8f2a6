import { randomBytes } from 'node:crypto';
import type { Caller } from '../identity/caller';
import type { LazyTable } from '../storage/tableClientFactory';
import { deleteWhere, newestFirstKey, odataString } from '../storage/tableQueries';
import { deviceRowKey } from '../telemetry/deviceKeys';

/** What was done to a device through fieldline: a desired change, a command, or a job. */
export interface DeviceActivity {
  readonly deviceId: string;
  readonly at: string;
  /** The caller's token subject, and the name it gave, if any: who did it. */
  readonly subject: string;
  readonly name?: string;
  readonly action: 'desired' | 'command' | 'job';
  /** What was asked and how it ended: the patch, the command and its status, the job id. */
  readonly detail: Readonly<Record<string, unknown>>;
}

/** Writes at once when a job names many devices. */
const writeConcurrency = 16;
/** The most of a detail kept: a desired patch or a payload can be 32 KB or more. */
const maxDetailChars = 8_000;

/**
 * The audit of what operators did to each device: one partition per device, newest first, so a
 * device's latest N are one bounded query.
 */
export class DeviceActivityStore {
  constructor(
    private readonly table: LazyTable,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records one action for each device (a job's targets are many). */
  async record(
    deviceIds: readonly string[],
    caller: Caller | undefined,
    action: DeviceActivity['action'],
    detail: Record<string, unknown>,
  ): Promise<void> {
    const client = await this.table.client();
    const at = this.now();
    const text = JSON.stringify(detail);
    const kept =
      text.length <= maxDetailChars
        ? text
        : JSON.stringify({ truncated: text.slice(0, maxDetailChars) });
    const queue = [...deviceIds];
    const worker = async () => {
      for (let deviceId = queue.shift(); deviceId !== undefined; deviceId = queue.shift())
        await client.createEntity({
          partitionKey: deviceRowKey(deviceId),
          rowKey: `${newestFirstKey(at)}-${randomBytes(4).toString('hex')}`,
          deviceId,
          at: new Date(at).toISOString(),
          subject: caller?.subject ?? 'unknown',
          ...(caller?.name ? { name: caller.name } : {}),
          action,
          detail: kept,
        });
    };
    await Promise.all(Array.from({ length: Math.min(writeConcurrency, queue.length) }, worker));
  }

  /**
   * Deletes what is older than the cutoff, at most `limit` rows: row keys lead with the inverted
   * time, so every partition's old rows are the keys above the cutoff's.
   */
  async deleteOlderThan(cutoffMs: number, limit: number) {
    const client = await this.table.client();
    return deleteWhere(client, `RowKey gt ${odataString(newestFirstKey(cutoffMs))}`, limit);
  }

  /** A device's latest activity, newest first. */
  async list(deviceId: string, limit: number): Promise<DeviceActivity[]> {
    const client = await this.table.client();
    const pages = client
      .listEntities<Record<string, unknown>>({
        queryOptions: { filter: `PartitionKey eq ${odataString(deviceRowKey(deviceId))}` },
      })
      .byPage({ maxPageSize: limit });
    for await (const page of pages)
      return page.slice(0, limit).map((row) => ({
        deviceId,
        at: String(row.at),
        subject: String(row.subject),
        ...(typeof row.name === 'string' ? { name: row.name } : {}),
        action: row.action as DeviceActivity['action'],
        detail: parseDetail(row.detail),
      }));
    return [];
  }
}

function parseDetail(text: unknown): Record<string, unknown> {
  try {
    const value: unknown = typeof text === 'string' ? JSON.parse(text) : {};
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
