import { readFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { close, listen, sendJson } from './httpServer';

export interface DashboardServerOptions {
  /** The built dashboard (`dist/dashboard`). */
  readonly root: string;
  /** What `config.json` says; read on every request so it can name ports chosen later. */
  readonly config: () => Record<string, unknown>;
}

export interface RunningDashboard {
  readonly port: number;
  readonly url: string;
  stop(): Promise<void>;
}

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
 * Serves the static dashboard and its `config.json`, as the storage static website does in Azure:
 * hashed assets are cached for good, `index.html` and `config.json` never.
 */
export async function startDashboardServer(
  port: number,
  options: DashboardServerOptions,
): Promise<RunningDashboard> {
  const root = path.resolve(options.root);
  const server = http.createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (request.method !== 'GET' && request.method !== 'HEAD')
      return sendJson(response, 405, { error: 'read only' });
    if (url.pathname === '/config.json')
      return sendJson(response, 200, options.config(), { 'cache-control': 'no-store' });
    const relative =
      url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname).replace(/^\/+/, '');
    const file = path.resolve(root, relative);
    if (!file.startsWith(`${root}${path.sep}`))
      return sendJson(response, 403, { error: 'outside the dashboard' });
    try {
      const body = await readFile(file);
      response.writeHead(200, {
        'content-type': contentTypes[path.extname(file)] ?? 'application/octet-stream',
        'cache-control': relative.startsWith('assets/')
          ? 'public, max-age=31536000, immutable'
          : 'no-cache',
        'content-length': String(body.length),
      });
      response.end(request.method === 'HEAD' ? undefined : body);
    } catch {
      sendJson(response, 404, { error: `no ${relative} in the dashboard build` });
    }
  });
  const boundPort = await listen(server, port, 'dashboard');
  return { port: boundPort, url: `http://127.0.0.1:${boundPort}/`, stop: () => close(server) };
}
