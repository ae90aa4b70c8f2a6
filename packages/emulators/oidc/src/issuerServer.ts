import http from 'node:http';
import { close, listen, readBody, sendJson, serviceRequestListener } from '@fieldline/emulator-kit';
import type { JWTPayload } from 'jose';
import { createTokenMinter } from './handlers/accessTokens';
import { authorize } from './handlers/authorize';
import { tokenGrant } from './handlers/tokenEndpoint';
import { type OidcIssuerOptions, settingsFrom } from './options';
import { discoveryDocument, isLoopback, issuerCors, page, redirect } from './protocol/issuerHttp';
import { Grants } from './state/grants';
import { loadOrCreateSigningKey } from './state/signingKey';

export interface RunningOidcIssuer {
  readonly port: number;
  /** `http://127.0.0.1:{port}`: what tokens carry in `iss`, and where discovery is. */
  readonly issuer: string;
  /** What a public client asks for at sign-in: `openid profile offline_access <audience>/<scope>`. */
  readonly scopes: readonly string[];
  /** Signs any claims with the issuer's key; tests use it to build tokens an API must refuse. */
  sign(claims: JWTPayload): Promise<string>;
  stop(): Promise<void>;
}

/**
 * An OpenID Connect issuer that stands in for Entra ID: discovery, JWKS, the authorization code
 * flow with PKCE (S256) behind a page listing its users, refresh tokens, and client credentials
 * with `<audience>/.default`. Tokens are shaped like Entra v2 access tokens. Redirects go only to
 * loopback addresses: this issuer is for one machine.
 */
export async function startOidcIssuer(options: OidcIssuerOptions): Promise<RunningOidcIssuer> {
  const jose = await import('jose');
  const key = await loadOrCreateSigningKey(options.keyFile);
  const settings = settingsFrom(options);
  const grants = new Grants();
  let issuer = '';
  const sign = (claims: JWTPayload) =>
    new jose.SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: key.kid })
      .sign(key.privateKey);
  const minter = createTokenMinter({ settings, grants, issuer: () => issuer, sign });

  async function handle(request: http.IncomingMessage, response: http.ServerResponse) {
    let url: URL;
    try {
      url = new URL(request.url ?? '/', issuer);
    } catch {
      return sendJson(response, 400, { error: 'invalid_request' });
    }
    const cors = issuerCors(request);
    if (request.method === 'OPTIONS') return sendJson(response, 204, undefined, cors);
    const form = async () =>
      new URLSearchParams((await readBody(request, 16_384)).toString('utf8'));
    switch (url.pathname) {
      case '/.well-known/openid-configuration':
        return sendJson(response, 200, discoveryDocument(issuer, settings.apiScope), cors);
      case '/discovery/v2.0/keys':
        return sendJson(response, 200, { keys: [key.publicJwk] }, cors);
      case '/oauth2/v2.0/authorize':
        return authorize(request.method === 'POST' ? await form() : url.searchParams, response, {
          settings,
          grants,
        });
      case '/oauth2/v2.0/token': {
        if (request.method !== 'POST')
          return sendJson(response, 405, { error: 'invalid_request' }, cors);
        const [status, body] = await tokenGrant(await form(), request.headers.authorization, {
          settings,
          grants,
          minter,
        });
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

  const server = http.createServer(
    serviceRequestListener(handle, {
      // OAuth 2.0's error shape; the description says what failed, as the original code did.
      send: (response, error) =>
        sendJson(response, error.status, { error: error.code, error_description: error.message }),
      classify: (thrown) => ({
        status: 500,
        code: 'server_error',
        message: thrown instanceof Error ? thrown.message : String(thrown),
      }),
      internal: { status: 500, code: 'server_error', message: 'the issuer failed' },
    }),
  );
  const port = await listen(server, options.port ?? 0, 'identity issuer');
  issuer = `http://127.0.0.1:${port}`;
  return {
    port,
    issuer,
    scopes: ['openid', 'profile', 'offline_access', settings.apiScope],
    sign,
    stop: () => close(server),
  };
}
