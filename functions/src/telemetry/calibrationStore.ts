import { ExpiringCache } from '../platform/expiringCache';
import type { LazyTable } from '../platform/tableClientFactory';
import { readEntitiesByRowKey } from '../platform/tableQueries';
import { type Calibration, calibratedMeasurements } from './calibration';
import { devicePartitionKey, deviceRowKey } from './deviceKeys';

export interface CalibrationStoreOptions {
  readonly table: LazyTable;
  /** How long a calibration, or the absence of one, is remembered. */
  readonly cacheTtlMs: number;
  readonly cacheSize?: number;
  readonly now?: () => number;
}

/**
 * Per-device calibration, read lazily and cached with expiry. Misses are cached too, so devices
 * without calibration (most of them) cost no request per batch.
 */
export class CalibrationStore {
  private readonly cache: ExpiringCache<string, Calibration | undefined>;

  constructor(private readonly options: CalibrationStoreOptions) {
    this.cache = new ExpiringCache({
      ttlMs: options.cacheTtlMs,
      maxEntries: options.cacheSize ?? 50_000,
      ...(options.now ? { now: options.now } : {}),
    });
  }

  async getMany(deviceIds: Iterable<string>): Promise<Map<string, Calibration | undefined>> {
    const result = new Map<string, Calibration | undefined>();
    const missingByPartition = new Map<string, string[]>();
    for (const deviceId of new Set(deviceIds)) {
      const cached = this.cache.lookup(deviceId);
      if (cached.hit) {
        result.set(deviceId, cached.value);
        continue;
      }
      const partitionKey = devicePartitionKey(deviceId);
      missingByPartition.set(partitionKey, [
        ...(missingByPartition.get(partitionKey) ?? []),
        deviceId,
      ]);
    }
    if (missingByPartition.size === 0) return result;
    const client = await this.options.table.client();
    await Promise.all(
      [...missingByPartition].map(async ([partitionKey, ids]) => {
        const found = await readEntitiesByRowKey<CalibrationEntity>(
          client,
          partitionKey,
          ids.map(deviceRowKey),
        );
        for (const deviceId of ids) {
          const entity = found.get(deviceRowKey(deviceId));
          const calibration = entity ? fromEntity(entity) : undefined;
          this.cache.set(deviceId, calibration);
          result.set(deviceId, calibration);
        }
      }),
    );
    return result;
  }

  /** Replaces a device's calibration. Other instances pick it up when their cache entry expires. */
  async put(deviceId: string, calibration: Calibration): Promise<void> {
    const client = await this.options.table.client();
    const entity: Record<string, unknown> = {
      partitionKey: devicePartitionKey(deviceId),
      rowKey: deviceRowKey(deviceId),
      deviceId,
    };
    for (const name of calibratedMeasurements) {
      const rule = calibration[name];
      if (!rule) continue;
      entity[`${name}Slope`] = { value: rule.slope, type: 'Double' };
      entity[`${name}Intercept`] = { value: rule.intercept, type: 'Double' };
    }
    await client.upsertEntity(entity as { partitionKey: string; rowKey: string }, 'Replace');
    this.cache.delete(deviceId);
  }
}

type CalibrationEntity = Record<string, unknown>;

function fromEntity(entity: CalibrationEntity): Calibration {
  const calibration: Calibration = {};
  for (const name of calibratedMeasurements) {
    const slope = entity[`${name}Slope`];
    const intercept = entity[`${name}Intercept`];
    if (typeof slope === 'number' && typeof intercept === 'number')
      calibration[name] = { slope, intercept };
  }
  return calibration;
}
