import type { LazyTable } from '../platform/tableClientFactory';
import { listAllEntities } from '../platform/tableQueries';
import { type Calibration, calibratedMeasurements } from './calibration';
import { calibrationPartitionKey, deviceRowKey } from './deviceKeys';

export interface CalibrationStoreOptions {
  readonly table: LazyTable;
  /** How long a read of the calibrations, and so the absence of one, is used; 0 reads every time. */
  readonly cacheTtlMs: number;
  readonly now?: () => number;
}

/**
 * Per-device calibration, read as one snapshot of the whole table and reused until it expires.
 * Few devices are calibrated, and a query returns up to 1,000 rows, so a batch costs no request
 * for calibration while the snapshot is fresh, and one per 1,000 calibrated devices when it is
 * not, however many uncalibrated devices the batch names.
 */
export class CalibrationStore {
  private snapshot:
    | { readonly byDevice: ReadonlyMap<string, Calibration>; readonly expiresAt: number }
    | undefined;
  private loading: Promise<ReadonlyMap<string, Calibration>> | undefined;
  /** Bumped by every write, so a read that started before it is not kept. */
  private generation = 0;
  private readonly now: () => number;

  constructor(private readonly options: CalibrationStoreOptions) {
    this.now = options.now ?? Date.now;
  }

  async getMany(deviceIds: Iterable<string>): Promise<Map<string, Calibration | undefined>> {
    const all = await this.current();
    return new Map([...new Set(deviceIds)].map((deviceId) => [deviceId, all.get(deviceId)]));
  }

  /** Replaces a device's calibration. Other instances pick it up when their snapshot expires. */
  async put(deviceId: string, calibration: Calibration): Promise<void> {
    const client = await this.options.table.client();
    const entity: Record<string, unknown> = {
      partitionKey: calibrationPartitionKey(deviceId),
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
    this.generation++;
    this.snapshot = undefined;
    this.loading = undefined;
  }

  private current(): Promise<ReadonlyMap<string, Calibration>> {
    if (this.snapshot && this.snapshot.expiresAt > this.now())
      return Promise.resolve(this.snapshot.byDevice);
    // Concurrent batches share one read; a write starts the next one afresh.
    if (!this.loading) {
      const loading = this.load().finally(() => {
        if (this.loading === loading) this.loading = undefined;
      });
      this.loading = loading;
    }
    return this.loading;
  }

  private async load(): Promise<ReadonlyMap<string, Calibration>> {
    const generation = this.generation;
    const startedAt = this.now();
    const client = await this.options.table.client();
    const byDevice = new Map(
      (await listAllEntities<CalibrationEntity>(client)).flatMap((entity) =>
        typeof entity.deviceId === 'string' ? [[entity.deviceId, fromEntity(entity)] as const] : [],
      ),
    );
    if (this.options.cacheTtlMs > 0 && generation === this.generation)
      this.snapshot = { byDevice, expiresAt: startedAt + this.options.cacheTtlMs };
    return byDevice;
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
