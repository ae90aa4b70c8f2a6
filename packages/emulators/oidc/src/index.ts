import type { RunningEmulator } from '@fieldline/emulator-kit';
import { startOidcIssuer } from './issuerServer';
import type { OidcIssuerOptions } from './options';

export { type RunningOidcIssuer, startOidcIssuer } from './issuerServer';
export type { OidcClient, OidcIssuerOptions, OidcUser } from './options';

/** An issuer for trying it out: one user and one client, each with a `Reader` role. */
const sample: OidcIssuerOptions = {
  audience: 'api://oidc-emulator',
  publicClientId: 'spa',
  users: [{ username: 'ada', name: 'Ada', roles: ['Reader'] }],
  clients: [{ id: 'backend', secret: 'backend-secret', roles: ['Reader'] }],
};

/**
 * Starts the OpenID Connect issuer. Its users, clients, audience and roles are options: it
 * knows nothing of any app. Without them it starts with a sample user and client.
 */
export async function start(
  options: Partial<OidcIssuerOptions> & { readonly port?: number } = {},
): Promise<RunningEmulator> {
  const issuer = await startOidcIssuer({ ...sample, ...options });
  return {
    urls: {
      issuer: issuer.issuer,
      discovery: `${issuer.issuer}/.well-known/openid-configuration`,
    },
    stop: () => issuer.stop(),
  };
}
