/**
 * Where a device's rows live. Devices are spread over a fixed number of partitions by a hash of
 * their id: the Table service serves about 2,000 entities/s per partition, so one partition would
 * cap the whole fleet, while one partition per device would cost a request per device per batch
 * (entity-group transactions only span one partition).
 *
 * The count is part of the storage layout: changing it moves every device's row.
 */
export const deviceStateShardCount = 8;

export function devicePartitionKey(deviceId: string): string {
  return `s${fnv1a(deviceId) % deviceStateShardCount}`;
}

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
