import type { LazyTable } from '../storage/tableClientFactory';
import { TableSnapshot } from '../storage/tableSnapshot';
import { deviceRowKey } from '../telemetry/deviceKeys';

const partitionKey = 'tags';

/**
 * Device groups: each device's tags, one row per tagged device, read as one snapshot of the table
 * (so filtering by tag and tag-scoped rules cost no request while it is fresh).
 */
export class DeviceTagStore {
  private readonly snapshot: TableSnapshot<ReadonlyMap<string, readonly string[]>>;

  constructor(private readonly options: { table: LazyTable; ttlMs: number; now?: () => number }) {
    this.snapshot = new TableSnapshot({
      table: options.table,
      ttlMs: options.ttlMs,
      ...(options.now ? { now: options.now } : {}),
      build: (rows) =>
        new Map(
          rows.flatMap((row) => {
            const tags = parseTags(row.tags);
            return typeof row.deviceId === 'string' && tags.length > 0
              ? [[row.deviceId, tags] as const]
              : [];
          }),
        ),
    });
  }

  all(): Promise<ReadonlyMap<string, readonly string[]>> {
    return this.snapshot.current();
  }

  /** Replaces a device's tags; none removes its row. */
  async put(deviceId: string, tags: readonly string[]): Promise<void> {
    const client = await this.options.table.client();
    const rowKey = deviceRowKey(deviceId);
    if (tags.length === 0) {
      await client.deleteEntity(partitionKey, rowKey).catch((error: { statusCode?: number }) => {
        if (error.statusCode !== 404) throw error;
      });
    } else {
      await client.upsertEntity(
        { partitionKey, rowKey, deviceId, tags: JSON.stringify(tags) },
        'Replace',
      );
    }
    this.snapshot.invalidate();
  }
}

function parseTags(text: unknown): string[] {
  try {
    const tags: unknown = typeof text === 'string' ? JSON.parse(text) : [];
    return Array.isArray(tags) ? tags.filter((tag): tag is string => typeof tag === 'string') : [];
  } catch {
    return [];
  }
}
