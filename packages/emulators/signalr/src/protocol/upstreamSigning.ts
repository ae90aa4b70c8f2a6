import { createHmac } from 'node:crypto';

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
