import { sasToken } from '../../functions/src/hosting';

const apiVersion = '2021-04-12';

/**
 * A caller of IoT Hub's documented REST API, as any HTTPS client would be: at the stand-in's
 * plain-HTTP `url`, with tokens scoped to its `hostName`.
 */
export function hubRequests(hub: { readonly hostName: string; readonly url: string }) {
  const { hostName, url: base } = hub;
  const expiresAt = (seconds = 3600) => Math.floor(Date.now() / 1000) + seconds;
  return {
    serviceToken: (
      policyName: string,
      key: string,
      options: { resource?: string; expiresIn?: number } = {},
    ) =>
      sasToken({
        resourceUri: options.resource ?? hostName,
        key,
        policyName,
        expiresAt: expiresAt(options.expiresIn),
      }),
    deviceToken: (
      deviceId: string,
      key: string,
      options: { resource?: string; expiresIn?: number } = {},
    ) =>
      sasToken({
        resourceUri: options.resource ?? `${hostName}/devices/${deviceId}`,
        key,
        expiresAt: expiresAt(options.expiresIn),
      }),
    registry: (
      method: string,
      deviceId: string,
      token: string,
      options: { body?: unknown; ifMatch?: string; apiVersion?: string | null } = {},
    ) =>
      fetch(
        `${base}/devices/${encodeURIComponent(deviceId)}${options.apiVersion === null ? '' : `?api-version=${options.apiVersion ?? apiVersion}`}`,
        {
          method,
          headers: {
            authorization: token,
            ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
            ...(options.ifMatch ? { 'if-match': options.ifMatch } : {}),
          },
          ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
        },
      ),
    send: (
      deviceId: string,
      token: string,
      body: string | Buffer,
      headers: Record<string, string> = {},
    ) =>
      fetch(
        `${base}/devices/${encodeURIComponent(deviceId)}/messages/events?api-version=${apiVersion}`,
        {
          method: 'POST',
          headers: { authorization: token, 'content-type': 'application/json', ...headers },
          body,
        },
      ),
  };
}
