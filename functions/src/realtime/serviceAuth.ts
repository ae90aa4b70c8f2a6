import type { TokenCredential } from '@azure/identity';
import { appIdentity } from '../host/identityCredential';
import { lazy } from '../host/lazy';
import type { RealtimeConfig } from '../settings/config';
import { signAccessToken } from './serviceToken';

/** A bearer token for one call to SignalR Service's data-plane REST API. */
export type ServiceBearer = (url: string) => Promise<string>;

/**
 * How the app authenticates to SignalR's REST API: with its managed identity in Azure (local auth
 * is off there), or with a token signed by the access key where the connection string has one.
 */
export function createServiceBearer(
  config: RealtimeConfig,
  options: { readonly credential?: () => Promise<TokenCredential> } = {},
): ServiceBearer {
  const credential = lazy(
    options.credential ??
      (() => appIdentity(config.kind === 'identity' ? config.clientId : undefined)),
  );
  return async (url) => {
    if (config.kind === 'accessKey')
      return signAccessToken(
        // The audience is the request URL without its query, as the service SDKs sign it.
        { aud: url.split('?')[0] ?? url, exp: Math.floor(Date.now() / 1000) + 300 },
        config.accessKey,
      );
    const token = await (await credential()).getToken('https://signalr.azure.com/.default');
    if (!token) throw new Error('the app identity gave no token for SignalR');
    return token.token;
  };
}
