import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * `X-ASRS-Signature`: `sha256=` and the hex HMAC-SHA256 of the connection id, keyed with each of the
 * service's access keys, comma-separated.
 * https://learn.microsoft.com/azure/azure-signalr/concept-upstream#signature
 */
export function signUpstream(connectionId: string, accessKeys: readonly string[]): string {
  return accessKeys
    .map((key) => `sha256=${createHmac('sha256', key).update(connectionId).digest('hex')}`)
    .join(',');
}

/** Whether any of the header's signatures is the connection id's, keyed with `accessKey`. */
export function verifyUpstreamSignature(
  header: string | undefined,
  connectionId: string,
  accessKey: string,
): boolean {
  if (!header) return false;
  const expected = Buffer.from(signUpstream(connectionId, [accessKey]));
  return header.split(',').some((part) => {
    const actual = Buffer.from(part.trim());
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  });
}
