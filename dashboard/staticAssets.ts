import path from 'node:path';

const contentTypes: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/**
 * The pages the dashboard build has, relative to where it is served: each signs in and comes back
 * to itself, so each is a redirect URI of the sign-in registration.
 */
export const dashboardPages = ['', 'rooms.html'] as const;

/**
 * How a file of the built dashboard is served, wherever it is hosted: hashed `assets/` are cached
 * for good, `config.json` never, and the page itself is revalidated.
 */
export function assetHeaders(file: string): { contentType: string; cacheControl: string } {
  return {
    contentType: contentTypes[path.extname(file)] ?? 'application/octet-stream',
    cacheControl: file.startsWith('assets/')
      ? 'public, max-age=31536000, immutable'
      : file === 'config.json'
        ? 'no-store'
        : 'no-cache',
  };
}

/** Where the pages connect: the API, SignalR Service (its negotiated URL), and the sign-in issuer. */
export interface PageOrigins {
  readonly apiBaseUrl: string;
  readonly signalR: string;
  readonly authority: string;
}

/**
 * The pages' Content-Security-Policy: scripts only from the page's own origin, and connections only
 * to the API, SignalR (HTTP and WebSocket) and the issuer. A meta tag, because the storage static
 * website cannot set response headers (so `frame-ancestors` cannot be set this way).
 * https://developer.mozilla.org/docs/Web/HTTP/Headers/Content-Security-Policy
 */
export function contentSecurityPolicy(origins: PageOrigins): string {
  const origin = (url: string) => new URL(url).origin;
  const socket = (url: string) => origin(url).replace(/^http/, 'ws');
  const connect = [
    "'self'",
    origin(origins.apiBaseUrl),
    origin(origins.signalR),
    socket(origins.signalR),
    origin(origins.authority),
  ];
  return [
    "default-src 'self'",
    "script-src 'self'",
    // uPlot and the pages set element styles from script.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    `connect-src ${[...new Set(connect)].join(' ')}`,
    // The sign-in library may renew silently in a hidden frame of the issuer.
    `frame-src ${origin(origins.authority)}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
  ].join('; ');
}

/** The page with its policy as the first element of `<head>`, before any script. */
export function withContentSecurityPolicy(html: string, policy: string): string {
  const meta = `<meta http-equiv="Content-Security-Policy" content="${policy.replace(/"/g, '&quot;')}" />`;
  if (!/<head[^>]*>/i.test(html)) throw new Error('the page has no <head> to put its policy in');
  return html.replace(/<head[^>]*>/i, (head) => `${head}\n    ${meta}`);
}
