import type http from 'node:http';
import { corsHeaders } from '@fieldline/emulator-kit';

// The local issuer's HTTP side: its discovery document, CORS for loopback pages, and its pages.

/** The OpenID Connect discovery document, as Entra ID's v2.0 endpoint words it. */
export function discoveryDocument(issuer: string, apiScope: string) {
  return {
    issuer,
    authorization_endpoint: `${issuer}/oauth2/v2.0/authorize`,
    token_endpoint: `${issuer}/oauth2/v2.0/token`,
    end_session_endpoint: `${issuer}/oauth2/v2.0/logout`,
    jwks_uri: `${issuer}/discovery/v2.0/keys`,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
    code_challenge_methods_supported: ['S256'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic', 'none'],
    scopes_supported: ['openid', 'profile', 'offline_access', apiScope],
    claims_supported: ['sub', 'oid', 'tid', 'name', 'preferred_username', 'roles', 'nonce'],
  };
}

export function isLoopback(uri: string): boolean {
  if (!URL.canParse(uri)) return false;
  const url = new URL(uri);
  return (
    ['http:', 'https:'].includes(url.protocol) &&
    ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)
  );
}

export function issuerCors(request: http.IncomingMessage): Record<string, string> {
  return (
    corsHeaders(request.headers.origin, {
      allows: isLoopback,
      headers: 'content-type, authorization',
      methods: 'GET, POST, OPTIONS',
    }) ?? {}
  );
}

export function redirect(response: http.ServerResponse, location: string) {
  response.writeHead(302, { location, 'cache-control': 'no-store' });
  response.end();
}

export function page(response: http.ServerResponse, status: number, body: string) {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>fieldline local sign-in</title><style>body{font:16px system-ui;margin:3rem auto;max-width:36rem}li{margin:.5rem 0}button{font:inherit;padding:.3rem .8rem}</style></head><body>${body}</body></html>`;
  response.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': String(Buffer.byteLength(html)),
    'cache-control': 'no-store',
  });
  response.end(html);
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
