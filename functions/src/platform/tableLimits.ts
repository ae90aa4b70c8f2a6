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
 * A row or partition key for arbitrary text: the text URL-encoded (which keeps `/ \ # ?` and
 * control characters out, as keys require), or, when that would pass the 1 KiB key limit, a
 * SHA-256 of the text. Store the text itself in a property.
 */
export function keyFor(text: string): string {
  const encoded = encodeURIComponent(text);
  if (utf16Bytes(encoded) <= tableLimits.keyBytes) return encoded;
  return `~sha256~${createHash('sha256').update(text).digest('hex')}`;
}
