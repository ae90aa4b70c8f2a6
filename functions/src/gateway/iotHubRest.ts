import { createHmac } from 'node:crypto';
import { AppError } from '../host/appError';
import { backoffDelay, sleep } from '../host/backoff';
import type { GatewayConfig } from '../settings/config';
import { dataPlaneVersions } from '../settings/dataPlaneVersions';

/** The IoT Hub REST API version fieldline speaks. */
export const iotHubApiVersion = dataPlaneVersions.iotHub;

/**
 * A `SharedAccessSignature sr=...&sig=...&se=...[&skn=...]` token, as IoT Hub documents it:
 * HMAC-SHA256 over `urlencode(resource) + "\n" + expiry`. A policy's token names the policy
 * (`skn`); a device's token, scoped to `{hub}/devices/{id}` and signed with the device key, does not.
 */
export function sasToken(options: {
  readonly resourceUri: string;
  readonly key: string;
  readonly policyName?: string;
  readonly expiresAt: number;
}): string {
  const sr = encodeURIComponent(options.resourceUri);
  const sig = createHmac('sha256', Buffer.from(options.key, 'base64'))
    .update(`${sr}\n${options.expiresAt}`)
    .digest('base64');
  const skn = options.policyName ? `&skn=${encodeURIComponent(options.policyName)}` : '';
  return `SharedAccessSignature sr=${sr}&sig=${encodeURIComponent(sig)}&se=${options.expiresAt}${skn}`;
}

/**
 * An `Authorization` header for the hub's service APIs: a short-lived SAS token for the
 * configured policy, or an Entra ID token for the app's managed identity.
 */
export function createHubAuthorization(
  gateway: GatewayConfig,
  now: () => number = Date.now,
): () => Promise<string> {
  return createServiceAuthorization(
    {
      hostName: gateway.hubHostName,
      access: gateway.registry,
      scope: 'https://iothubs.azure.net/.default',
    },
    now,
  );
}

/**
 * The same for any Azure IoT service that takes both (IoT Hub, DPS): a SAS token scoped to
 * `hostName` and signed with the policy's key, or the managed identity's token for `scope`.
 */
export function createServiceAuthorization(
  service: {
    readonly hostName: string;
    readonly access:
      | { readonly kind: 'sas'; readonly policyName: string; readonly key: string }
      | { readonly kind: 'identity' };
    readonly scope: string;
  },
  now: () => number = Date.now,
): () => Promise<string> {
  const { access } = service;
  if (access.kind === 'sas') {
    return async () =>
      sasToken({
        resourceUri: service.hostName,
        key: access.key,
        policyName: access.policyName,
        expiresAt: Math.floor(now() / 1000) + 3600,
      });
  }
  let credential: { getToken(scope: string): Promise<{ token: string } | null> } | undefined;
  return async () => {
    if (!credential) {
      const { DefaultAzureCredential } = await import('@azure/identity');
      credential = new DefaultAzureCredential();
    }
    const token = await credential.getToken(service.scope);
    if (!token) throw new Error(`no Entra ID token for ${service.scope}`);
    return `Bearer ${token.token}`;
  };
}

/** How often a throttled call is tried in all, and the longest it waits between tries. */
export const throttleRetry = { attempts: 3, baseMs: 200, capMs: 1_000 } as const;

/**
 * One call to the hub's service REST API with the app's authorization; a hub that does not answer
 * is a 503 to the caller. A 429 (the hub's throttles, which refuse before acting, so a retry is
 * safe) is tried again after a jittered backoff, or the hub's `Retry-After` when it gives one up
 * to a second, at most `throttleRetry.attempts` times in all; the last answer is returned as it
 * came. The registry, twins and jobs clients share it.
 */
export function createHubRestCall(options: {
  readonly authorization: () => Promise<string>;
  /** Named when the service does not answer; IoT Hub unless given. */
  readonly service?: string;
  readonly fetch?: typeof fetch;
  readonly sleep?: (ms: number) => Promise<void>;
}) {
  const request =
    options.fetch ?? ((url: string | URL | Request, init?: RequestInit) => fetch(url, init));
  const wait = options.sleep ?? sleep;
  return async (
    method: string,
    url: string,
    extra: { body?: unknown; headers?: Record<string, string>; timeoutMs?: number } = {},
  ): Promise<Response> => {
    for (let attempt = 1; ; attempt++) {
      let response: Response;
      try {
        response = await request(url, {
          method,
          headers: {
            authorization: await options.authorization(),
            ...(extra.body === undefined ? {} : { 'content-type': 'application/json' }),
            ...extra.headers,
          },
          ...(extra.body === undefined ? {} : { body: JSON.stringify(extra.body) }),
          ...(extra.timeoutMs ? { signal: AbortSignal.timeout(extra.timeoutMs) } : {}),
        });
      } catch (error) {
        throw new AppError(
          'unavailable',
          `${options.service ?? 'IoT Hub'} did not answer; try again`,
          {
            cause: error,
          },
        );
      }
      if (response.status !== 429 || attempt >= throttleRetry.attempts) return response;
      await response.body?.cancel();
      const retryAfterMs = Number(response.headers.get('retry-after')) * 1000;
      await wait(
        retryAfterMs > 0 && retryAfterMs <= throttleRetry.capMs
          ? retryAfterMs
          : backoffDelay(attempt, throttleRetry),
      );
    }
  };
}
