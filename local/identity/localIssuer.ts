import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { close, listen, readBody, sendJson } from '@fieldline/emulator-kit';
import type { JWTPayload } from 'jose';
import {
  discoveryDocument,
  escapeHtml,
  isLoopback,
  issuerCors,
  page,
  redirect,
} from './issuerHttp';
import {
  apiScope,
  dashboardClientId,
  type LocalClient,
  type LocalIdentity,
  type LocalUser,
  localAudience,
  localTenantId,
  localUsers,
  objectId,
} from './localUsers';
import { loadOrCreateSigningKey, type SigningKey } from './signingKey';

export interface LocalIssuerOptions {
  readonly port?: number;
  /** Keeps the signing key across restarts; a fresh key otherwise. */
  readonly keyFile?: string;
  readonly clients: readonly LocalClient[];
  readonly users?: readonly LocalUser[];
  readonly now?: () => number;
}

export interface RunningLocalIssuer {
  readonly port: number;
  readonly issuer: string;
  readonly identity: LocalIdentity;
  /** Signs any claims with the issuer's key; tests use it to build tokens the API must refuse. */
  sign(claims: JWTPayload): Promise<string>;
  stop(): Promise<void>;
}

interface PendingCode {
  readonly user: LocalUser;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly challenge: string;
  readonly scope: string;
  readonly nonce?: string;
  readonly expiresAt: number;
}

const tokenSeconds = 3600;
const codeSeconds = 60;

/**
 * A local OpenID Connect issuer that stands in for Entra ID: discovery, JWKS, the authorization
 * code flow with PKCE (S256) behind a page listing the local users, refresh tokens, and client
 * credentials with `<audience>/.default`. Tokens are shaped like Entra v2 access tokens.
 * Redirects go only to loopback addresses: this issuer is for one machine.
 */
export async function startLocalIssuer(options: LocalIssuerOptions): Promise<RunningLocalIssuer> {
  const jose = await import('jose');
  const key: SigningKey = await loadOrCreateSigningKey(options.keyFile);
  const now = () => Math.floor((options.now ?? Date.now)() / 1000);
  const users = options.users ?? localUsers;
  const codes = new Map<string, PendingCode>();
  const refreshTokens = new Map<string, { user: LocalUser; clientId: string; scope: string }>();
  let issuer = '';

  const sign = (claims: JWTPayload) =>
    new jose.SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: key.kid })
      .sign(key.privateKey);

  const common = (subject: string) => {
    const issuedAt = now();
    return {
      iss: issuer,
      iat: issuedAt,
      nbf: issuedAt,
      exp: issuedAt + tokenSeconds,
      tid: localTenantId,
      sub: subject,
      oid: subject,
      ver: '2.0',
    };
  };

  const userTokens = async (user: LocalUser, clientId: string, scope: string, nonce?: string) => {
    const subject = objectId(`user:${user.username}`);
    const identityClaims = {
      name: user.name,
      preferred_username: `${user.username}@fieldline.local`,
    };
    const refreshToken = randomBytes(32).toString('base64url');
    refreshTokens.set(refreshToken, { user, clientId, scope });
    const scopes = scope.split(' ');
    const forApi = scopes.some((s) => s.startsWith(`${localAudience}/`));
    return {
      token_type: 'Bearer',
      expires_in: tokenSeconds,
      scope,
      ...(forApi
        ? {
            access_token: await sign({
              ...common(subject),
              ...identityClaims,
              aud: localAudience,
              azp: clientId,
              scp: 'user_impersonation',
              roles: [...user.roles],
            }),
          }
        : {}),
      ...(scopes.includes('openid')
        ? {
            id_token: await sign({
              ...common(subject),
              ...identityClaims,
              aud: clientId,
              ...(nonce ? { nonce } : {}),
            }),
          }
        : {}),
      ...(scopes.includes('offline_access') ? { refresh_token: refreshToken } : {}),
    };
  };

  const server = http.createServer((request, response) => {
    handle(request, response).catch((error: unknown) =>
      sendJson(response, 500, {
        error: 'server_error',
        error_description: error instanceof Error ? error.message : String(error),
      }),
    );
  });

  async function handle(request: http.IncomingMessage, response: http.ServerResponse) {
    let url: URL;
    try {
      url = new URL(request.url ?? '/', issuer);
    } catch {
      return sendJson(response, 400, { error: 'invalid_request' });
    }
    const cors = issuerCors(request);
    if (request.method === 'OPTIONS') return sendJson(response, 204, undefined, cors);
    switch (url.pathname) {
      case '/.well-known/openid-configuration':
        return sendJson(response, 200, discoveryDocument(issuer), cors);
      case '/discovery/v2.0/keys':
        return sendJson(response, 200, { keys: [key.publicJwk] }, cors);
      case '/oauth2/v2.0/authorize':
        if (request.method === 'POST') {
          const form = new URLSearchParams((await readBody(request, 16_384)).toString('utf8'));
          return authorize(form, response);
        }
        return authorize(url.searchParams, response);
      case '/oauth2/v2.0/token': {
        if (request.method !== 'POST')
          return sendJson(response, 405, { error: 'invalid_request' }, cors);
        const form = new URLSearchParams((await readBody(request, 16_384)).toString('utf8'));
        const [status, body] = await token(form, request.headers.authorization);
        return sendJson(response, status, body, { ...cors, 'cache-control': 'no-store' });
      }
      case '/oauth2/v2.0/logout': {
        const target = url.searchParams.get('post_logout_redirect_uri');
        if (target && isLoopback(target)) return redirect(response, target);
        return page(response, 200, '<h1>Signed out</h1><p>You can close this page.</p>');
      }
      default:
        return sendJson(response, 404, { error: `no route ${url.pathname}` });
    }
  }

  /** `/authorize`: checks the request, then signs in the `login_hint` user or shows the user list. */
  function authorize(params: URLSearchParams, response: http.ServerResponse) {
    const clientId = params.get('client_id') ?? '';
    const redirectUri = params.get('redirect_uri') ?? '';
    if (clientId !== dashboardClientId)
      return page(
        response,
        400,
        `<h1>Unknown client</h1><p>client_id must be ${dashboardClientId}.</p>`,
      );
    if (!isLoopback(redirectUri))
      return page(
        response,
        400,
        '<h1>Bad redirect_uri</h1><p>The local issuer redirects only to loopback addresses.</p>',
      );
    const back = new URL(redirectUri);
    const state = params.get('state');
    if (state) back.searchParams.set('state', state);
    const fail = (error: string, description: string) => {
      back.searchParams.set('error', error);
      back.searchParams.set('error_description', description);
      return redirect(response, back.toString());
    };
    if (params.get('response_type') !== 'code')
      return fail('unsupported_response_type', 'only the authorization code flow is supported');
    const challenge = params.get('code_challenge');
    if (!challenge || params.get('code_challenge_method') !== 'S256')
      return fail('invalid_request', 'PKCE is required: send code_challenge with method S256');
    const chosen = params.get('user') ?? params.get('login_hint')?.replace(/@.*$/, '');
    const user = users.find((u) => u.username === chosen);
    if (!user) return page(response, 200, signInPage(params));
    const code = randomBytes(32).toString('base64url');
    const nonce = params.get('nonce');
    codes.set(code, {
      user,
      clientId,
      redirectUri,
      challenge,
      scope: params.get('scope') ?? 'openid',
      ...(nonce ? { nonce } : {}),
      expiresAt: now() + codeSeconds,
    });
    back.searchParams.set('code', code);
    return redirect(response, back.toString());
  }

  async function token(
    form: URLSearchParams,
    authorization: string | undefined,
  ): Promise<[number, unknown]> {
    const error = (status: number, code: string, description: string): [number, unknown] => [
      status,
      { error: code, error_description: description },
    ];
    switch (form.get('grant_type')) {
      case 'authorization_code': {
        const code = codes.get(form.get('code') ?? '');
        codes.delete(form.get('code') ?? ''); // single use, even when the exchange fails
        if (!code || code.expiresAt < now())
          return error(400, 'invalid_grant', 'the code is unknown, used or expired');
        if (
          form.get('client_id') !== code.clientId ||
          form.get('redirect_uri') !== code.redirectUri
        )
          return error(
            400,
            'invalid_grant',
            'client_id and redirect_uri must match the authorization request',
          );
        const verifier = form.get('code_verifier') ?? '';
        if (createHash('sha256').update(verifier).digest('base64url') !== code.challenge)
          return error(400, 'invalid_grant', 'code_verifier does not match the code_challenge');
        return [200, await userTokens(code.user, code.clientId, code.scope, code.nonce)];
      }
      case 'refresh_token': {
        const presented = form.get('refresh_token') ?? '';
        const grant = refreshTokens.get(presented);
        refreshTokens.delete(presented); // rotated, as for single-page apps
        if (!grant || grant.clientId !== form.get('client_id'))
          return error(400, 'invalid_grant', 'the refresh token is unknown or used');
        return [
          200,
          await userTokens(grant.user, grant.clientId, form.get('scope') ?? grant.scope),
        ];
      }
      case 'client_credentials': {
        const basic = /^Basic (.+)$/i.exec(authorization ?? '')?.[1];
        const [basicId, basicSecret] = basic
          ? Buffer.from(basic, 'base64').toString('utf8').split(':').map(decodeURIComponent)
          : [];
        const clientId = basicId ?? form.get('client_id');
        const secret = basicSecret ?? form.get('client_secret');
        const client = options.clients.find((c) => c.id === clientId);
        if (!client || client.secret !== secret)
          return error(401, 'invalid_client', 'unknown client_id or wrong client_secret');
        if (form.get('scope') !== `${localAudience}/.default`)
          return error(400, 'invalid_scope', `scope must be ${localAudience}/.default`);
        const subject = objectId(`client:${client.id}`);
        return [
          200,
          {
            token_type: 'Bearer',
            expires_in: tokenSeconds,
            access_token: await sign({
              ...common(subject),
              aud: localAudience,
              azp: client.id,
              idtyp: 'app',
              roles: [...client.roles],
            }),
          },
        ];
      }
      default:
        return error(
          400,
          'unsupported_grant_type',
          'grant_type must be authorization_code, refresh_token or client_credentials',
        );
    }
  }

  function signInPage(params: URLSearchParams): string {
    const hidden = [...params]
      .filter(([name]) => name !== 'user' && name !== 'login_hint')
      .map(
        ([name, value]) =>
          `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`,
      )
      .join('');
    const buttons = users
      .map(
        (u) =>
          `<li><button name="user" value="${escapeHtml(u.username)}">${escapeHtml(u.name)}</button> <small>${escapeHtml(u.username)}${u.roles.length ? ` · ${u.roles.join(', ')}` : ' · app user'}</small></li>`,
      )
      .join('');
    return `<h1>Sign in to the fieldline local cloud</h1><p>Choose a local user. This issuer runs on your machine only.</p><form method="post" action="/oauth2/v2.0/authorize">${hidden}<ul>${buttons}</ul></form>`;
  }

  const port = await listen(server, options.port ?? 0, 'identity issuer');
  issuer = `http://127.0.0.1:${port}`;
  return {
    port,
    issuer,
    identity: {
      issuer,
      audience: localAudience,
      dashboardClientId,
      scopes: ['openid', 'profile', 'offline_access', apiScope],
      clients: options.clients,
      users,
    },
    sign,
    stop: () => close(server),
  };
}
