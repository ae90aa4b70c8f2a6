import { UserManager, WebStorageStateStore } from 'oidc-client-ts';
import type { AuthConfig } from './dashboardConfig';

/** The signed-in operator, as the page needs it. */
export interface Session {
  readonly name: string;
  /** The token's subject (rooms know a person by an id the API derives from issuer and subject). */
  readonly subject: string;
  readonly roles: ReadonlySet<string>;
  /** The current access token for the API, renewed with the refresh token as it nears expiry. */
  accessToken(): Promise<string>;
  signOut(): Promise<void>;
}

/**
 * Sign-in with the authorization code flow and PKCE, through oidc-client-ts: the same code against
 * Entra ID in Azure and the local issuer on one machine. Tokens stay in session storage, so they
 * end with the tab. Resolves with a session; otherwise shows the sign-in screen and never resolves
 * (the page navigates to the issuer).
 */
export async function startSession(
  config: AuthConfig,
  signInScreen: { show(signIn: () => void): void },
): Promise<Session> {
  const here = `${location.origin}${location.pathname}`;
  const manager = new UserManager({
    authority: config.authority,
    client_id: config.clientId,
    redirect_uri: here,
    post_logout_redirect_uri: here,
    response_type: 'code',
    scope: config.scopes.join(' '),
    userStore: new WebStorageStateStore({ store: sessionStorage }),
    stateStore: new WebStorageStateStore({ store: sessionStorage }),
    automaticSilentRenew: true,
    loadUserInfo: false,
  });
  const params = new URLSearchParams(location.search);
  if (params.has('code') || params.has('error')) {
    // Back from the issuer: put back the query the page had before (such as `?metrics`).
    let before = '';
    try {
      const signedIn = await manager.signinRedirectCallback();
      before = typeof signedIn.state === 'string' ? signedIn.state : '';
    } finally {
      history.replaceState(null, '', `${here}${before}`);
    }
  }
  const user = await manager.getUser();
  if (!user || user.expired) {
    const loginHint = params.get('login_hint');
    params.delete('login_hint');
    const kept = params.size > 0 ? `?${params}` : '';
    const signIn = () =>
      void manager.signinRedirect({ state: kept, ...(loginHint ? { login_hint: loginHint } : {}) });
    // `?login_hint=operator` (npm start -- --open-as operator) goes straight to the issuer.
    if (loginHint) signIn();
    else signInScreen.show(signIn);
    return new Promise<never>(() => undefined);
  }
  const claims = decodePayload(user.access_token);
  return {
    name: String(claims.name ?? claims.preferred_username ?? user.profile.name ?? 'signed in'),
    subject: String(claims.sub ?? user.profile.sub),
    roles: new Set(Array.isArray(claims.roles) ? claims.roles.map(String) : []),
    async accessToken() {
      const current = await manager.getUser();
      if (current && !current.expired) return current.access_token;
      const renewed = await manager.signinSilent().catch(() => null);
      if (renewed) return renewed.access_token;
      await manager.signinRedirect();
      return new Promise<never>(() => undefined);
    },
    signOut: () => manager.signoutRedirect(),
  };
}

/** The token's claims, for display and for hiding controls; the API checks the token itself. */
function decodePayload(token: string): Record<string, unknown> {
  try {
    const part = (token.split('.')[1] ?? '').replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(atob(part)) as Record<string, unknown>;
  } catch {
    return {};
  }
}
