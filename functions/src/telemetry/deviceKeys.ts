/**
 * Where a device's calibration lives. Calibrations are written by device id, so they are spread
 * over a fixed number of partitions by a hash of it. The count is part of the storage layout:
 * changing it moves every row.
 */
export const calibrationShardCount = 8;

export function calibrationPartitionKey(deviceId: string): string {
  return `s${fnv1a(deviceId) % calibrationShardCount}`;
}

/**
 * Where the state a hub partition's messages built for a device lives: one table partition per
 * hub partition. A batch comes from one hub partition, so applying it is one entity-group
 * transaction (per 100 devices) however many devices it names, and each table partition has one
 * writer, the instance that holds the hub partition's lease, so ETag conflicts only happen while
 * a lease moves. A table partition serves about 2,000 entities/s, twice what a hub partition
 * takes in.
 *
 * IoT Hub keeps a device on one partition, but "the partition range could potentially change
 * during a Microsoft-initiated failover or IoT Hub manual failover"
 * (https://learn.microsoft.com/azure/iot-hub/iot-hub-devguide-endpoints). A device can then have a
 * row in two partitions; readers merge them (`mergeDeviceStates`), so nothing is lost or counted
 * twice.
 */
export function deviceStatePartitionKey(hubPartitionId: string): string {
  return `${deviceStatePartitionPrefix}${hubPartitionId}`;
}

/** Every device-state partition key starts with this and no other key in the table does. */
export const deviceStatePartitionPrefix = 'p';

/**
 * IoT Hub device ids may contain `#` and `?`, which row keys may not; percent-encoding is
 * reversible and keeps every id addressable.
 */
export function deviceRowKey(deviceId: string): string {
  return encodeURIComponent(deviceId);
}

/** FNV-1a, 32 bits: a fast, stable spread of device ids over shards. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
