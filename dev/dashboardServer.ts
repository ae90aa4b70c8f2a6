import { readFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { close, listen, sendJson } from '@fieldline/emulator-kit';
import { assetHeaders, withContentSecurityPolicy } from '../dashboard/staticAssets';

export interface DashboardServerOptions {
  /** The built dashboard (`dist/dashboard`). */
  readonly root: string;
  /** What `config.json` says; read on every request so it can name ports chosen later. */
  readonly config: () => Record<string, unknown>;
  /** The pages' Content-Security-Policy, put into each `.html` as it is served. */
  readonly contentSecurityPolicy?: () => string;
}

export interface RunningDashboard {
  readonly port: number;
  readonly url: string;
  stop(): Promise<void>;
}

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
    let relative: string;
    try {
      relative =
        url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname).replace(/^\/+/, '');
    } catch {
      // A malformed escape such as `/%` is the client's mistake, not a reason to stop the server.
      return sendJson(response, 400, {
        error: { code: 'bad_request', message: `malformed URL ${url.pathname}` },
      });
    }
    const file = path.resolve(root, relative);
    if (!file.startsWith(`${root}${path.sep}`))
      return sendJson(response, 403, { error: 'outside the dashboard' });
    try {
      const read = await readFile(file);
      const body =
        options.contentSecurityPolicy && relative.endsWith('.html')
          ? Buffer.from(
              withContentSecurityPolicy(read.toString('utf8'), options.contentSecurityPolicy()),
            )
          : read;
      const { contentType, cacheControl } = assetHeaders(relative);
      response.writeHead(200, {
        'content-type': contentType,
        'cache-control': cacheControl,
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
