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
