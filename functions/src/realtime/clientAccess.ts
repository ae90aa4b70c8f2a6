import { AppError } from '../host/appError';
import type { RealtimeConfig } from '../settings/config';
import { dataPlaneVersions } from '../settings/dataPlaneVersions';
import { createServiceBearer, type ServiceBearer } from './serviceAuth';

/** What negotiate answers: the service URL for one hub, and a client token for it. */
export interface ConnectionInfo {
  readonly url: string;
  readonly accessToken: string;
}

/** Mints client tokens; `userId` makes user-targeted sends reach the connection. */
export type IssueClientAccess = (hub: string, userId?: string) => Promise<ConnectionInfo>;

const apiVersion = dataPlaneVersions.signalR;
const tokenMinutes = 60;

/**
 * Negotiate in code: after the caller's token is validated, the client token comes from the
 * service's REST API (`POST /api/hubs/{hub}/:generateToken`), authenticated with the app's managed
 * identity in Azure, or with a token signed by the access key where there is one. A binding
 * expression could not do this: it cannot see a validated claim.
 */
export function createClientAccess(
  config: RealtimeConfig | undefined,
  options: { readonly bearer?: ServiceBearer } = {},
): IssueClientAccess {
  const bearer = config ? (options.bearer ?? createServiceBearer(config)) : undefined;
  return async (hub, userId) => {
    if (!config || !bearer)
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
    const url = `${config.endpoint}${path}?${query}`;
    const response = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${await bearer(url)}` },
      signal: AbortSignal.timeout(10_000),
    }).catch((error: unknown) => {
      // Unreachable or timed out: the service is down, not the app broken.
      throw new AppError('unavailable', 'SignalR did not answer; retry shortly', { cause: error });
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
