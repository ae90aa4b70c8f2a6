import type { TableClient } from '@azure/data-tables';
import type { AlarmTransition } from '../fleet/alarmConditions';
import { alarmEntity } from '../fleet/alarmRows';
import { type HourRollup, rollupFromRows } from '../fleet/rollups';
import type { BackoffOptions } from '../host/backoff';
import type { WireEntity } from '../storage/entityGroupTransaction';
import { ExpiringCache } from '../storage/expiringCache';
import { updatePartitionOptimistically } from '../storage/optimisticPartitionUpdate';
import type { LazyTable } from '../storage/tableClientFactory';
import {
  deleteWhere,
  listAllEntities,
  odataString,
  readEntitiesByRowKey,
  storageStatus,
} from '../storage/tableQueries';
import { deviceRowKey, deviceStatePartitionKey, deviceStatePartitionPrefix } from './deviceKeys';
import { applyDelta, type DeviceDelta, type DeviceState, mergeDeviceStates } from './deviceState';
import {
  companionRowPrefix,
  type DeviceStateEntity,
  fromEntity,
  parseJson,
  rollupEntity,
  rollupRowKey,
  toEntity,
} from './deviceStateRows';

export interface DeviceStateStoreOptions {
  readonly table: LazyTable;
  readonly historyLength: number;
  /** Keep hourly rollups (history and export); off only for the benchmark's baseline. */
  readonly rollups?: boolean;
  readonly backoff?: BackoffOptions;
  readonly maxAttempts?: number;
  /** How many devices' states (with their ETags) to remember between invocations. */
  readonly cacheSize?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * A device's state (its hub partition's row) after a batch, and whether this batch changed it
 * (false on redelivery).
 */
export interface AppliedDeviceState {
  readonly state: DeviceState;
  readonly changed: boolean;
  readonly partitionId: string;
  /** Alarms raised or cleared, written with the state. */
  readonly transitions: readonly AlarmTransition[];
}

interface CachedState {
  readonly state: DeviceState;
  readonly etag: string;
}

/**
 * The device-state table: one partition per hub partition (see `deviceStatePartitionKey`). A
 * batch's writes are coalesced per device into entity-group transactions on its partition, each
 * entity guarded by its ETag. On a 412/409 the devices are re-read and the batch re-applied after
 * a capped, jittered exponential backoff.
 *
 * Known states and ETags are cached between invocations: a hub partition, and so a table
 * partition, is read by one instance at a time, so the cache is nearly always current, and when
 * it is not the ETag check fails and the store re-reads.
 */
export class DeviceStateStore {
  /** By partition key and row key. */
  private readonly cache: ExpiringCache<string, CachedState>;

  constructor(private readonly options: DeviceStateStoreOptions) {
    this.cache = new ExpiringCache({ ttlMs: 60 * 60_000, maxEntries: options.cacheSize ?? 50_000 });
  }

  /**
   * A device's state, merged from every hub partition's row. Which partitions hold it is not
   * known, so this is one query over the device-state partitions; the dashboard reads `list`.
   */
  async get(deviceId: string): Promise<DeviceState | undefined> {
    const client = await this.options.table.client();
    const rows = await listAllEntities<DeviceStateEntity>(
      client,
      `${partitionRange} and RowKey eq ${odataString(deviceRowKey(deviceId))}`,
    );
    return rows.length === 0
      ? undefined
      : mergeDeviceStates(rows.map(fromEntity), this.options.historyLength);
  }

  /**
   * Removes every row of a device (its state in each hub partition, its hourly rollups and its
   * alarms, which all carry `deviceId`), for decommissioning. Returns how many rows went.
   */
  async erase(deviceId: string): Promise<number> {
    const client = await this.options.table.client();
    let deleted = 0;
    for (;;) {
      const page = await deleteWhere(
        client,
        `${partitionRange} and deviceId eq ${odataString(deviceId)}`,
        1_000,
      );
      deleted += page.deleted;
      if (!page.more) break;
    }
    for (const key of this.cache.keys())
      if (key.endsWith(`/${deviceRowKey(deviceId)}`)) this.cache.delete(key);
    return deleted;
  }

  /** One point read, for health: proves the table answers without scanning it. */
  async probe(): Promise<void> {
    const client = await this.options.table.client();
    try {
      await client.getEntity(deviceStatePartitionKey('0'), 'fieldline-health-probe');
    } catch (error) {
      if (storageStatus(error) !== 404) throw error;
    }
  }

  /** Every device, across partitions and continuation tokens, sorted by id. */
  async list(): Promise<DeviceState[]> {
    const client = await this.options.table.client();
    const rowsByDevice = new Map<string, DeviceState[]>();
    for (const entity of await listAllEntities<DeviceStateEntity>(client, devicesOnly)) {
      const state = fromEntity(entity);
      rowsByDevice.set(state.deviceId, [...(rowsByDevice.get(state.deviceId) ?? []), state]);
    }
    return [...rowsByDevice.values()]
      .map((rows) => mergeDeviceStates(rows, this.options.historyLength))
      .sort((a, b) => a.deviceId.localeCompare(b.deviceId));
  }

  /**
   * Applies each device's delta exactly once, however often the same batch arrives. The state
   * returned is the row of the delta's hub partition.
   */
  async apply(deltas: readonly DeviceDelta[]): Promise<AppliedDeviceState[]> {
    const byPartition = new Map<string, DeviceDelta[]>();
    for (const delta of deltas) {
      const key = deviceStatePartitionKey(delta.partitionId);
      byPartition.set(key, [...(byPartition.get(key) ?? []), delta]);
    }
    const client = await this.options.table.client();
    const results = await Promise.all(
      [...byPartition].map(([partitionKey, group]) =>
        this.applyPartition(client, partitionKey, group),
      ),
    );
    return results.flat();
  }

  private async applyPartition(
    client: TableClient,
    partitionKey: string,
    deltas: readonly DeviceDelta[],
  ): Promise<AppliedDeviceState[]> {
    const deltasByRowKey = new Map(deltas.map((delta) => [deviceRowKey(delta.deviceId), delta]));
    // Rewritten on every attempt; what the last (successful) attempt computed is the answer.
    const applied = new Map<string, AppliedDeviceState>();
    await updatePartitionOptimistically<CachedState>(client, [...deltasByRowKey.keys()], {
      read: (rowKeys) => this.load(client, partitionKey, rowKeys),
      update: (current, rowKey) => {
        const delta = deltasByRowKey.get(rowKey) as DeviceDelta;
        const result = applyDelta(current?.state, delta, this.options.historyLength, {
          rollups: this.options.rollups ?? true,
        });
        applied.set(rowKey, {
          state: result.state,
          changed: result.changed,
          transitions: result.transitions,
          partitionId: delta.partitionId,
        });
        if (!result.changed) return undefined;
        // Alarms and finished hours land with the state that produced them, or not at all.
        return {
          row: toEntity(result.state, partitionKey),
          with: coalesceByRowKey([
            ...result.transitions.map((transition) => alarmEntity(transition, partitionKey)),
            ...result.finishedRollups.map((rollup) =>
              rollupEntity(result.state.deviceId, rollup, partitionKey),
            ),
          ]),
        };
      },
      written: (rowKey, etag) => {
        const result = applied.get(rowKey);
        if (result) this.cache.set(cacheKey(partitionKey, rowKey), { state: result.state, etag });
      },
      conflicted: () => {
        for (const rowKey of deltasByRowKey.keys())
          this.cache.delete(cacheKey(partitionKey, rowKey));
      },
      backoff: this.options.backoff,
      maxAttempts: this.options.maxAttempts,
      sleep: this.options.sleep,
    });
    return [...applied.values()];
  }

  /**
   * Deletes finished hours and cleared alarms older than the cutoff. Their row keys lead with the
   * device or the alarm, not the time, so this filters on a property: it reads the companion rows
   * (never the states), one page at a time.
   */
  async deleteOlderThan(cutoffMs: number, limit: number) {
    const client = await this.options.table.client();
    const cutoff = new Date(cutoffMs).toISOString();
    const companions = `RowKey ge ${odataString(companionRowPrefix)}`;
    const hours = await deleteWhere(
      client,
      `${partitionRange} and ${companions} and hour lt ${odataString(cutoff.slice(0, 13))}`,
      limit,
    );
    const alarms = await deleteWhere(
      client,
      `${companions} and clearedAt lt ${odataString(cutoff)}`,
      limit,
    );
    return { deleted: hours.deleted + alarms.deleted, more: hours.more || alarms.more };
  }

  /**
   * A device's finished hours from `fromHour` to `toHour` (inclusive, `YYYY-MM-DDTHH`): one query,
   * one row per hour per hub partition the device used. The hours still in its state come with
   * `get`.
   */
  async finishedHours(deviceId: string, fromHour: string, toHour: string): Promise<HourRollup[]> {
    const client = await this.options.table.client();
    const key = deviceRowKey(deviceId);
    const rows = await listAllEntities<Record<string, unknown>>(
      client,
      `${partitionRange} and RowKey ge ${odataString(rollupRowKey(key, fromHour))} and RowKey le ${odataString(rollupRowKey(key, toHour))}`,
    );
    return rows.flatMap((row) =>
      typeof row.hour === 'string'
        ? [rollupFromRows(row.hour, parseJson(row.minutes, Array.isArray))]
        : [],
    );
  }

  /** Known states by row key: from the cache, and one query per fourteen devices it lacks. */
  private async load(
    client: TableClient,
    partitionKey: string,
    rowKeys: readonly string[],
  ): Promise<Map<string, CachedState>> {
    const known = new Map<string, CachedState>();
    const missing: string[] = [];
    for (const rowKey of rowKeys) {
      const cached = this.cache.lookup(cacheKey(partitionKey, rowKey));
      if (cached.hit) known.set(rowKey, cached.value);
      else missing.push(rowKey);
    }
    if (missing.length === 0) return known;
    const found = await readEntitiesByRowKey<DeviceStateEntity>(client, partitionKey, missing);
    for (const [rowKey, entity] of found) {
      const cached = { state: fromEntity(entity), etag: entity.etag };
      known.set(rowKey, cached);
      this.cache.set(cacheKey(partitionKey, rowKey), cached);
    }
    return known;
  }
}

// Device-state partition keys are the prefix and a hub partition id, which is digits.
const partitionRange = `PartitionKey ge ${odataString(deviceStatePartitionPrefix)} and PartitionKey lt ${odataString(String.fromCharCode(deviceStatePartitionPrefix.charCodeAt(0) + 1))}`;

const devicesOnly = `${partitionRange} and RowKey lt ${odataString(companionRowPrefix)}`;

/**
 * One write per row: a transaction may not name an entity twice, and an alarm raised and cleared
 * by the same batch is one row with both.
 */
function coalesceByRowKey(rows: readonly WireEntity[]): WireEntity[] {
  const byKey = new Map<string, WireEntity>();
  for (const row of rows) byKey.set(row.RowKey, { ...byKey.get(row.RowKey), ...row });
  return [...byKey.values()];
}

function cacheKey(partitionKey: string, rowKey: string): string {
  return `${partitionKey}/${rowKey}`;
}
