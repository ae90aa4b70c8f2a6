import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentSecurityPolicy } from '../dashboard/staticAssets';
import { type RunningDashboard, startDashboardServer } from './dashboardServer';

let root: string;
let server: RunningDashboard;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'fieldline-dash-'));
  await writeFile(
    path.join(root, 'index.html'),
    '<!doctype html><html><head><title>t</title></head></html>',
  );
  await writeFile(path.join(root, 'app.js'), 'void 0');
  server = await startDashboardServer(0, {
    root,
    config: () => ({ apiBaseUrl: 'x' }),
    contentSecurityPolicy: () =>
      contentSecurityPolicy({
        apiBaseUrl: 'http://127.0.0.1:7071/api',
        signalR: 'http://127.0.0.1:7072',
        authority: 'http://127.0.0.1:7073/local',
      }),
  });
});
afterAll(async () => {
  await server.stop();
  await rm(root, { recursive: true, force: true });
});

describe('the local dashboard server', () => {
  it('answers a malformed URL such as /% with 400, and keeps serving', async () => {
    for (const bad of ['/%', '/%E0%A4%A', '/assets/%zz.js']) {
      const response = await fetch(`${server.url.replace(/\/$/, '')}${bad}`);
      expect(response.status, bad).toBe(400);
      expect(await response.json()).toEqual({
        error: { code: 'bad_request', message: expect.stringContaining('malformed URL') },
      });
    }
    expect((await fetch(server.url)).status).toBe(200);
    expect(await (await fetch(`${server.url}config.json`)).json()).toEqual({ apiBaseUrl: 'x' });
  });

  it('serves each page with its Content-Security-Policy: scripts from itself, connections to the API, SignalR and the issuer', async () => {
    const page = await (await fetch(server.url)).text();
    const policy = /<meta http-equiv="Content-Security-Policy" content="([^"]+)" \/>/.exec(
      page,
    )?.[1];
    expect(policy?.split('; ')).toEqual([
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data:",
      "connect-src 'self' http://127.0.0.1:7071 http://127.0.0.1:7072 ws://127.0.0.1:7072 http://127.0.0.1:7073",
      'frame-src http://127.0.0.1:7073',
      "object-src 'none'",
      "base-uri 'self'",
      "form-action 'self'",
    ]);
    // Before anything else in <head>, and only in pages.
    expect(page.indexOf('Content-Security-Policy')).toBeLessThan(page.indexOf('<title>'));
    expect(await (await fetch(`${server.url}app.js`)).text()).toBe('void 0');
  });
});
