import { createHash } from 'node:crypto';

/**
 * A GUID derived from text (like Bicep's `guid()`): the same text always gives the same GUID, so
 * names and ids that must be GUIDs stay stable from one run to the next.
 */
export function hashGuid(text: string): string {
  const hex = createHash('sha256').update(text).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
