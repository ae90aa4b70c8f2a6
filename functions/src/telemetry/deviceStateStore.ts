import type { TableClient, TableEntityResult } from '@azure/data-tables';
import type { BackoffOptions } from '../platform/backoff';
import { doubleProperty, type WireEntity } from '../platform/entityGroupTransaction';
import { ExpiringCache } from '../platform/expiringCache';
import { updatePartitionOptimistically } from '../platform/optimisticPartitionUpdate';
import type { LazyTable } from '../platform/tableClientFactory';
import { listAllEntities, readEntitiesByRowKey, storageStatus } from '../platform/tableQueries';
import { devicePartitionKey, deviceRowKey } from './deviceKeys';
import { applyDelta, type DeviceDelta, type DeviceState, type HistoryPoint } from './deviceState';

export interface DeviceStateStoreOptions {
  readonly table: LazyTable;
  readonly historyLength: number;
  readonly backoff?: BackoffOptions;
  readonly maxAttempts?: number;
  /** How many devices' states (with their ETags) to remember between invocations. */
  readonly cacheSize?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** A device's state after a batch, and whether this batch changed it (false on redelivery). */
export interface AppliedDeviceState {
  readonly state: DeviceState;
  readonly changed: boolean;
}

interface CachedState {
  readonly state: DeviceState;
  readonly etag: string;
}

/**
 * The device-state table. Writes are coalesced per device and grouped per partition into
 * entity-group transactions, each entity guarded by its ETag. On a 412/409 the partition's devices
 * are re-read and the batch re-applied after a capped, jittered exponential backoff.
 *
 * Known states and ETags are cached between invocations: an Event Hubs partition, and so a
 * device, is read by one instance at a time, so the cache is nearly always current, and when it
 * is not the ETag check fails and the store re-reads.
 */
export class DeviceStateStore {
  /** By row key. */
  private readonly cache: ExpiringCache<string, CachedState>;

  constructor(private readonly options: DeviceStateStoreOptions) {
    this.cache = new ExpiringCache({ ttlMs: 60 * 60_000, maxEntries: options.cacheSize ?? 50_000 });
  }

  async get(deviceId: string): Promise<DeviceState | undefined> {
    const client = await this.options.table.client();
    try {
      const entity = await client.getEntity<DeviceStateEntity>(
        devicePartitionKey(deviceId),
        deviceRowKey(deviceId),
      );
      return fromEntity(entity);
    } catch (error) {
      if (storageStatus(error) === 404) return undefined;
      throw error;
    }
  }

  /** Every device, across partitions and continuation tokens, sorted by id. */
  async list(): Promise<DeviceState[]> {
    const client = await this.options.table.client();
    const entities = await listAllEntities<DeviceStateEntity>(client);
    return entities.map(fromEntity).sort((a, b) => a.deviceId.localeCompare(b.deviceId));
  }

  /** Applies each device's delta exactly once, however often the same batch arrives. */
  async apply(deltas: readonly DeviceDelta[]): Promise<AppliedDeviceState[]> {
    const byPartition = new Map<string, DeviceDelta[]>();
    for (const delta of deltas) {
      const key = devicePartitionKey(delta.deviceId);
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
        const result = applyDelta(current?.state, delta, this.options.historyLength);
        applied.set(rowKey, result);
        return result.changed ? toEntity(result.state) : undefined;
      },
      written: (rowKey, etag) => {
        const result = applied.get(rowKey);
        if (result) this.cache.set(rowKey, { state: result.state, etag });
      },
      conflicted: () => {
        for (const rowKey of deltasByRowKey.keys()) this.cache.delete(rowKey);
      },
      backoff: this.options.backoff,
      maxAttempts: this.options.maxAttempts,
      sleep: this.options.sleep,
    });
    return [...applied.values()];
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
      const cached = this.cache.lookup(rowKey);
      if (cached.hit) known.set(rowKey, cached.value);
      else missing.push(rowKey);
    }
    if (missing.length === 0) return known;
    const found = await readEntitiesByRowKey<DeviceStateEntity>(client, partitionKey, missing);
    for (const [rowKey, entity] of found) {
      const cached = { state: fromEntity(entity), etag: entity.etag };
      known.set(rowKey, cached);
      this.cache.set(rowKey, cached);
    }
    return known;
  }
}

interface DeviceStateEntity {
  deviceId: string;
  temperature?: number;
  humidity?: number;
  pressure?: number;
  light?: number;
  count: number;
  rejected: number;
  lastSeen?: string;
  lastSequenceNumbers: string;
  history: string;
}

function toEntity(state: DeviceState): WireEntity {
  const optional = (name: 'temperature' | 'humidity' | 'pressure' | 'light') =>
    state[name] === null ? {} : doubleProperty(name, state[name]);
  return {
    PartitionKey: devicePartitionKey(state.deviceId),
    RowKey: deviceRowKey(state.deviceId),
    deviceId: state.deviceId,
    ...optional('temperature'),
    ...optional('humidity'),
    ...optional('pressure'),
    ...optional('light'),
    ...doubleProperty('count', state.count),
    ...doubleProperty('rejected', state.rejected),
    lastSequenceNumbers: JSON.stringify(state.lastSequenceNumbers),
    ...(state.lastSeen ? { lastSeen: state.lastSeen } : {}),
    history: encodeHistory(state.history),
  };
}

// Stored as tuples, `[t, seq, temperature, humidity, pressure, light]` with null for "not sent":
// less than half the size of objects, which every write of the entity pays for.
type StoredPoint = [string, number, number | null, number | null, number | null, number | null];

function encodeHistory(history: readonly HistoryPoint[]): string {
  return JSON.stringify(
    history.map(
      (p): StoredPoint => [
        p.t,
        p.seq,
        p.temperature ?? null,
        p.humidity ?? null,
        p.pressure ?? null,
        p.light ?? null,
      ],
    ),
  );
}

function decodeHistory(text: unknown): HistoryPoint[] {
  const stored = parseJson<StoredPoint[]>(text, Array.isArray) ?? [];
  return stored.map(([t, seq, temperature, humidity, pressure, light]) => ({
    t,
    seq,
    ...(temperature === null ? {} : { temperature }),
    ...(humidity === null ? {} : { humidity }),
    ...(pressure === null ? {} : { pressure }),
    ...(light === null ? {} : { light }),
  }));
}

function fromEntity(entity: TableEntityResult<DeviceStateEntity>): DeviceState {
  const num = (value: unknown): number | null => (typeof value === 'number' ? value : null);
  return {
    deviceId: entity.deviceId,
    temperature: num(entity.temperature),
    humidity: num(entity.humidity),
    pressure: num(entity.pressure),
    light: num(entity.light),
    count: num(entity.count) ?? 0,
    rejected: num(entity.rejected) ?? 0,
    lastSeen: entity.lastSeen ?? null,
    lastSequenceNumbers: parseJson(entity.lastSequenceNumbers, isSequenceMap) ?? {},
    history: decodeHistory(entity.history),
  };
}

function parseJson<T>(text: unknown, accept: (value: unknown) => boolean): T | undefined {
  if (typeof text !== 'string') return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return accept(parsed) ? (parsed as T) : undefined;
  } catch {
    return undefined;
  }
}

function isSequenceMap(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    Object.values(value).every((sequence) => typeof sequence === 'number')
  );
}
