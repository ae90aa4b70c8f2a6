import type { TableClient } from '@azure/data-tables';
import type { HubEvent } from '@fieldline/functions-host';
import { sleep } from '../functions/src/host/backoff';

/**
 * What the seed's Python function did, transcribed for comparison: for every message, one GET of
 * the device's entity in a single fixed partition, then a MERGE guarded by its ETag (or an INSERT),
 * retried with the seed's backoff on conflict; calibration fetched once per device and kept forever.
 */
export function createSeedIngest(tables: { deviceState: TableClient; calibration: TableClient }) {
  const partitionKey = 'fieldline';
  const calibrations = new Map<string, unknown>();
  const occBase = 5;
  const occCap = 1000;

  /**
   * The seed read a device's calibration once and kept it for the life of the process, so over a
   * device's life that read costs nothing per message; a benchmark reads them before its clock
   * starts rather than charge them to a short run.
   */
  async function warmCalibrations(deviceIds: Iterable<string>): Promise<void> {
    for (const deviceId of deviceIds)
      calibrations.set(
        deviceId,
        await tables.calibration.getEntity(partitionKey, deviceId).catch(() => null),
      );
  }

  async function ingestLikeTheSeed(events: readonly HubEvent[]): Promise<void> {
    for (const event of events) {
      const deviceId = String(event.systemProperties?.['iothub-connection-device-id']);
      const telemetry = event.body as Record<string, number>;
      if (!calibrations.has(deviceId)) {
        calibrations.set(
          deviceId,
          await tables.calibration.getEntity(partitionKey, deviceId).catch(() => null),
        );
      }
      for (let attempt = 1; attempt <= 10; attempt++) {
        let etag: string | undefined;
        let count = 0;
        try {
          const entity = await tables.deviceState.getEntity<{ Count?: number }>(
            partitionKey,
            deviceId,
          );
          etag = entity.etag;
          count = entity.Count ?? 0;
        } catch {
          etag = undefined;
        }
        const entity = { partitionKey, rowKey: deviceId, ...telemetry, Count: count + 1 };
        try {
          if (etag) await tables.deviceState.updateEntity(entity, 'Merge', { etag });
          else await tables.deviceState.createEntity(entity);
          break;
        } catch {
          const ceiling = Math.min(occCap, occBase * 2 ** attempt);
          await sleep(occBase + Math.random() * (ceiling - occBase));
        }
      }
    }
  }

  return { ingest: ingestLikeTheSeed, warmCalibrations };
}
