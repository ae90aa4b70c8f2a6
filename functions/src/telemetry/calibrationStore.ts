import type { LazyTable } from '../storage/tableClientFactory';
import { TableSnapshot } from '../storage/tableSnapshot';
import { type Calibration, calibratedMeasurements } from './calibration';
import { calibrationPartitionKey, deviceRowKey } from './deviceKeys';

export interface CalibrationStoreOptions {
  readonly table: LazyTable;
  /** How long a read of the calibrations, and so the absence of one, is used; 0 reads every time. */
  readonly cacheTtlMs: number;
  readonly now?: () => number;
}

/**
 * Per-device calibration, read as one snapshot of the whole table (`TableSnapshot`): few devices
 * are calibrated, so a batch costs no request for calibration while the snapshot is fresh, and one
 * per 1,000 calibrated devices when it is not, however many uncalibrated devices the batch names.
 */
export class CalibrationStore {
  private readonly snapshot: TableSnapshot<ReadonlyMap<string, Calibration>>;

  constructor(private readonly options: CalibrationStoreOptions) {
    this.snapshot = new TableSnapshot({
      table: options.table,
      ttlMs: options.cacheTtlMs,
      ...(options.now ? { now: options.now } : {}),
      build: (rows) =>
        new Map(
          rows.flatMap((entity) =>
            typeof entity.deviceId === 'string'
              ? [[entity.deviceId, fromEntity(entity)] as const]
              : [],
          ),
        ),
    });
  }

  async getMany(deviceIds: Iterable<string>): Promise<Map<string, Calibration | undefined>> {
    const all = await this.snapshot.current();
    return new Map([...new Set(deviceIds)].map((deviceId) => [deviceId, all.get(deviceId)]));
  }

  /** Removes a device's calibration, if it has one. */
  async remove(deviceId: string): Promise<void> {
    const client = await this.options.table.client();
    await client
      .deleteEntity(calibrationPartitionKey(deviceId), deviceRowKey(deviceId))
      .catch((error: { statusCode?: number }) => {
        if (error.statusCode !== 404) throw error;
      });
    this.snapshot.invalidate();
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
    this.snapshot.invalidate();
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
