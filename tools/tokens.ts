import { createHash, randomBytes } from 'node:crypto';
import type { AppRole } from '../functions/src/hosting';
import type { LocalIdentity } from './localEndpoints';

/**
 * Bearer tokens from the local issuer, through its real endpoints: client credentials for a role's
 * client, and the authorization code flow with PKCE (signed in by `login_hint`) for a user. For
 * `npm run token`, the simulator and tests.
 */
export async function clientToken(identity: LocalIdentity, role: AppRole): Promise<string> {
  const client = identity.clients.find((c) => c.roles.includes(role));
  if (!client) throw new Error(`no local client has the role ${role}`);
  const answer = await tokenRequest(identity, {
    grant_type: 'client_credentials',
    client_id: client.id,
    client_secret: client.secret,
    scope: `${identity.audience}/.default`,
  });
  return answer.access_token;
}

export async function userToken(identity: LocalIdentity, username: string): Promise<string> {
  if (!identity.users.some((u) => u.username === username))
    throw new Error(
      `no local user ${username}; the local users are ${identity.users.map((u) => u.username).join(', ')}`,
    );
  const verifier = randomBytes(32).toString('base64url');
  const redirectUri = 'http://127.0.0.1/fieldline-cli';
  const authorize = new URL(`${identity.issuer}/oauth2/v2.0/authorize`);
  for (const [name, value] of Object.entries({
    client_id: identity.dashboardClientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: identity.scopes.join(' '),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    login_hint: username,
    state: randomBytes(8).toString('hex'),
  }))
    authorize.searchParams.set(name, value);
  const redirected = await fetch(authorize, { redirect: 'manual' });
  const code = new URL(redirected.headers.get('location') ?? 'http://invalid/').searchParams.get(
    'code',
  );
  if (!code) throw new Error(`the local issuer gave no code (status ${redirected.status})`);
  const answer = await tokenRequest(identity, {
    grant_type: 'authorization_code',
    client_id: identity.dashboardClientId,
    code,
    redirect_uri: redirectUri,
    code_verifier: verifier,
  });
  return answer.access_token;
}

async function tokenRequest(
  identity: LocalIdentity,
  form: Record<string, string>,
): Promise<{ access_token: string }> {
  const response = await fetch(`${identity.issuer}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });
  const body = (await response.json()) as { access_token?: string; error_description?: string };
  if (!response.ok || !body.access_token)
    throw new Error(`the local issuer refused: ${body.error_description ?? response.status}`);
  return { access_token: body.access_token };
}

/** Reuses a token for half its one-hour life, then fetches another: for long-running local tools. */
export function renewingToken(fetchToken: () => Promise<string>): () => Promise<string> {
  let current: { token: Promise<string>; until: number } | undefined;
  return () => {
    if (!current || current.until < Date.now()) {
      const token = fetchToken();
      current = { token, until: Date.now() + 30 * 60_000 };
      token.catch(() => {
        current = undefined;
      });
    }
    return current.token;
  };
}

/** A token's issuer and subject, read without checking it. */
export function tokenClaims(token: string): { readonly iss: string; readonly sub: string } {
  const payload = JSON.parse(
    Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'),
  ) as { sub?: unknown; iss?: unknown };
  if (typeof payload.sub !== 'string' || typeof payload.iss !== 'string')
    throw new Error('the token has no subject or issuer');
  return { iss: payload.iss, sub: payload.sub };
}
