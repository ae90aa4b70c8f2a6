import type { TokenCredential } from '@azure/identity';
import { AppError } from '../platform/appError';
import type { RealtimeConfig } from '../platform/config';
import { appIdentity } from '../platform/identityCredential';
import { lazy } from '../platform/lazy';
import { signAccessToken } from './serviceToken';

/** What negotiate answers: the service URL for one hub, and a client token for it. */
export interface ConnectionInfo {
  readonly url: string;
  readonly accessToken: string;
}

/** Mints client tokens; `userId` makes user-targeted sends reach the connection. */
export type IssueClientAccess = (hub: string, userId?: string) => Promise<ConnectionInfo>;

// https://learn.microsoft.com/azure/azure-signalr/swagger/signalr-data-plane-rest-v20241201
const apiVersion = '2024-12-01';
const tokenMinutes = 60;

/**
 * Negotiate in code: after the caller's token is validated, the client token comes from the
 * service's REST API (`POST /api/hubs/{hub}/:generateToken`), authenticated with the app's managed
 * identity in Azure, or with a token signed by the access key where there is one. A binding
 * expression could not do this: it cannot see a validated claim.
 */
export function createClientAccess(
  config: RealtimeConfig | undefined,
  options: { readonly credential?: () => Promise<TokenCredential> } = {},
): IssueClientAccess {
  const credential = lazy(
    options.credential ??
      (() => appIdentity(config?.kind === 'identity' ? config.clientId : undefined)),
  );
  return async (hub, userId) => {
    if (!config)
      throw new AppError(
        'unavailable',
        'SignalR is not configured: set AzureSignalRConnectionString (or its __serviceUri form)',
      );
    const path = `/api/hubs/${encodeURIComponent(hub)}/:generateToken`;
    const query = new URLSearchParams({
      'api-version': apiVersion,
      minutesToExpire: String(tokenMinutes),
      ...(userId ? { userId } : {}),
    });
    const bearer =
      config.kind === 'accessKey'
        ? signAccessToken(
            // The audience is the request URL without its query, as the service SDKs sign it.
            { aud: `${config.endpoint}${path}`, exp: Math.floor(Date.now() / 1000) + 300 },
            config.accessKey,
          )
        : (await (await credential()).getToken('https://signalr.azure.com/.default'))?.token;
    if (!bearer) throw new AppError('unavailable', 'no token for SignalR from the app identity');
    const response = await fetch(`${config.endpoint}${path}?${query}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bearer}` },
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok)
      throw new AppError(
        'unavailable',
        `SignalR could not issue a client token (${response.status}); retry shortly`,
      );
    const { token } = (await response.json()) as { token?: unknown };
    if (typeof token !== 'string') throw new AppError('unavailable', 'SignalR answered no token');
    return { url: `${config.endpoint}/client/?hub=${hub}`, accessToken: token };
  };
}
