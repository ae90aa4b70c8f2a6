import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * What the SignalR extension checks on each upstream call: whether any of the comma-separated
 * `X-ASRS-Signature` values is `sha256=` and the hex HMAC-SHA256 of the connection id, keyed with
 * the trigger connection's access key. Written apart from the emulator that signs, so that a bug
 * on one side is not repeated on the other.
 * https://learn.microsoft.com/azure/azure-signalr/concept-upstream#signature
 */
export function verifyUpstreamSignature(
  header: string | undefined,
  connectionId: string,
  accessKey: string,
): boolean {
  if (!header) return false;
  const expected = Buffer.from(
    `sha256=${createHmac('sha256', accessKey).update(connectionId).digest('hex')}`,
  );
  return header.split(',').some((part) => {
    const actual = Buffer.from(part.trim());
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  });
}
