import { createHmac } from 'node:crypto';
import type { GatewayConfig } from '../platform/config';
import { dataPlaneVersions } from '../platform/dataPlaneVersions';

/** The IoT Hub REST API version fieldline speaks. */
export const iotHubApiVersion = dataPlaneVersions.iotHub;

/** A SAS token as IoT Hub documents it: HMAC-SHA256 over `urlencode(resource) + "\n" + expiry`. */
export function sasToken(
  resourceUri: string,
  base64Key: string,
  policyName: string,
  expiresAt: number,
): string {
  const sr = encodeURIComponent(resourceUri);
  const sig = createHmac('sha256', Buffer.from(base64Key, 'base64'))
    .update(`${sr}\n${expiresAt}`)
    .digest('base64');
  return `SharedAccessSignature sr=${sr}&sig=${encodeURIComponent(sig)}&se=${expiresAt}&skn=${encodeURIComponent(policyName)}`;
}

/**
 * An `Authorization` header for the hub's service APIs: a short-lived SAS token for the
 * configured policy, or an Entra ID token for the app's managed identity.
 */
export function createHubAuthorization(
  gateway: GatewayConfig,
  now: () => number = Date.now,
): () => Promise<string> {
  const { registry } = gateway;
  if (registry.kind === 'sas') {
    return async () =>
      sasToken(
        gateway.hubHostName,
        registry.key,
        registry.policyName,
        Math.floor(now() / 1000) + 3600,
      );
  }
  let credential: { getToken(scope: string): Promise<{ token: string } | null> } | undefined;
  return async () => {
    if (!credential) {
      const { DefaultAzureCredential } = await import('@azure/identity');
      credential = new DefaultAzureCredential();
    }
    const token = await credential.getToken('https://iothubs.azure.net/.default');
    if (!token) throw new Error('no Entra ID token for IoT Hub');
    return `Bearer ${token.token}`;
  };
}
