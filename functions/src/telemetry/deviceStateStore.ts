import type { TableClient, TableEntityResult, TransactionAction } from '@azure/data-tables';
import { type BackoffOptions, backoffDelay, sleep as defaultSleep } from '../platform/backoff';
import { ExpiringCache } from '../platform/expiringCache';
import type { LazyTable } from '../platform/tableClientFactory';
import { listAllEntities, readEntitiesByRowKey, storageStatus } from '../platform/tableQueries';
import { devicePartitionKey, deviceRowKey } from './deviceKeys';
import { applyDelta, type DeviceDelta, type DeviceState } from './deviceState';

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

export class DeviceStateConflictError extends Error {
  override readonly name = 'DeviceStateConflictError';
}

interface CachedState {
  readonly state: DeviceState;
  readonly etag: string;
}

// Entity-group transactions take at most 100 operations.
const maxTransactionSize = 100;
const numberType = 'Double' as const;

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
  private readonly cache: ExpiringCache<string, CachedState>;
  private readonly backoff: BackoffOptions;
  private readonly maxAttempts: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: DeviceStateStoreOptions) {
    this.cache = new ExpiringCache({ ttlMs: 60 * 60_000, maxEntries: options.cacheSize ?? 50_000 });
    this.backoff = options.backoff ?? { baseMs: 20, capMs: 2_000 };
    this.maxAttempts = options.maxAttempts ?? 10;
    this.sleep = options.sleep ?? defaultSleep;
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
    for (let attempt = 0; ; attempt++) {
      const known = await this.load(client, partitionKey, deltas);
      const applied: AppliedDeviceState[] = [];
      const actions: TransactionAction[] = [];
      for (const delta of deltas) {
        const current = known.get(delta.deviceId);
        const result = applyDelta(current?.state, delta, this.options.historyLength);
        applied.push(result);
        if (!result.changed) continue;
        const entity = toEntity(result.state);
        actions.push(
          current ? ['update', entity, 'Replace', { etag: current.etag }] : ['create', entity],
        );
      }
      try {
        await this.commit(client, actions, applied);
        return applied;
      } catch (error) {
        const status = storageStatus(error);
        if (status !== 412 && status !== 409 && status !== 404) throw error;
        for (const delta of deltas) this.cache.delete(delta.deviceId);
        if (attempt + 1 >= this.maxAttempts) {
          throw new DeviceStateConflictError(
            `device state partition ${partitionKey} still conflicted after ${this.maxAttempts} attempts`,
            { cause: error },
          );
        }
        await this.sleep(backoffDelay(attempt, this.backoff));
      }
    }
  }

  private async load(
    client: TableClient,
    partitionKey: string,
    deltas: readonly DeviceDelta[],
  ): Promise<Map<string, CachedState>> {
    const known = new Map<string, CachedState>();
    const missing: string[] = [];
    for (const { deviceId } of deltas) {
      const cached = this.cache.lookup(deviceId);
      if (cached.hit) known.set(deviceId, cached.value);
      else missing.push(deviceId);
    }
    if (missing.length === 0) return known;
    const found = await readEntitiesByRowKey<DeviceStateEntity>(
      client,
      partitionKey,
      missing.map(deviceRowKey),
    );
    for (const entity of found.values()) {
      const cached = { state: fromEntity(entity), etag: entity.etag };
      known.set(cached.state.deviceId, cached);
      this.cache.set(cached.state.deviceId, cached);
    }
    return known;
  }

  private async commit(
    client: TableClient,
    actions: readonly TransactionAction[],
    applied: readonly AppliedDeviceState[],
  ): Promise<void> {
    const statesByRowKey = new Map(
      applied.map(({ state }) => [deviceRowKey(state.deviceId), state]),
    );
    for (let i = 0; i < actions.length; i += maxTransactionSize) {
      const chunk = actions.slice(i, i + maxTransactionSize);
      const response = await client.submitTransaction(chunk);
      // Sub-responses come back in request order; not every service version names their row key.
      chunk.forEach((action, index) => {
        const state = statesByRowKey.get(String(action[1].rowKey));
        const etag = response.subResponses[index]?.etag;
        if (state && etag) this.cache.set(state.deviceId, { state, etag });
      });
    }
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

const double = (value: number) => ({ value, type: numberType });

function toEntity(state: DeviceState) {
  const optional = (name: 'temperature' | 'humidity' | 'pressure' | 'light') =>
    state[name] === null ? {} : { [name]: double(state[name]) };
  return {
    partitionKey: devicePartitionKey(state.deviceId),
    rowKey: deviceRowKey(state.deviceId),
    deviceId: state.deviceId,
    ...optional('temperature'),
    ...optional('humidity'),
    ...optional('pressure'),
    ...optional('light'),
    count: double(state.count),
    rejected: double(state.rejected),
    lastSequenceNumbers: JSON.stringify(state.lastSequenceNumbers),
    ...(state.lastSeen ? { lastSeen: state.lastSeen } : {}),
    history: JSON.stringify(state.history),
  };
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
    history: parseJson(entity.history, Array.isArray) ?? [],
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
