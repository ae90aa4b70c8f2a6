import { createHash } from 'node:crypto';

/**
 * Azure Table storage's limits, as sizes in bytes of UTF-16 (how the service sizes strings).
 * https://learn.microsoft.com/rest/api/storageservices/understanding-the-table-service-data-model
 */
export const tableLimits = {
  keyBytes: 1024,
  propertyBytes: 64 * 1024,
  entityBytes: 1024 * 1024,
  operationsPerTransaction: 100,
  transactionBytes: 4 * 1024 * 1024,
} as const;

export function utf16Bytes(text: string): number {
  return text.length * 2;
}

/**
 * Why an entity breaks one of the limits, or undefined. Checked before writing, so that the local
 * cloud (Azurite enforces less) and Azure refuse the same entities, with a message naming the limit.
 */
export function entityLimitProblem(entity: Readonly<Record<string, unknown>>): string | undefined {
  let total = 4; // the service's per-entity overhead
  for (const [name, value] of Object.entries(entity)) {
    const bytes = typeof value === 'string' ? utf16Bytes(value) : 8;
    if ((name === 'PartitionKey' || name === 'RowKey') && bytes > tableLimits.keyBytes)
      return `${name} is ${bytes} bytes; keys are at most ${tableLimits.keyBytes}`;
    if (bytes > tableLimits.propertyBytes)
      return `property ${name} is ${bytes} bytes; properties are at most ${tableLimits.propertyBytes}`;
    total += 8 + utf16Bytes(name) + bytes;
  }
  if (total > tableLimits.entityBytes)
    return `the entity is ${total} bytes; entities are at most ${tableLimits.entityBytes}`;
  return undefined;
}

/**
 * A row or partition key for arbitrary text: the text URL-encoded (which keeps `/ \ # ?` and
 * control characters out, as keys require), or, when that would pass the 1 KiB key limit, a
 * SHA-256 of the text. Store the text itself in a property.
 */
export function keyFor(text: string): string {
  const encoded = encodeURIComponent(text);
  if (utf16Bytes(encoded) <= tableLimits.keyBytes) return encoded;
  return `~sha256~${createHash('sha256').update(text).digest('hex')}`;
}
