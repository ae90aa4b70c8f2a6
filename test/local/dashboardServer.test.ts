import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningDashboard, startDashboardServer } from '../../local/dashboardServer';

let root: string;
let server: RunningDashboard;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'fieldline-dash-'));
  await writeFile(path.join(root, 'index.html'), '<!doctype html><title>t</title>');
  server = await startDashboardServer(0, { root, config: () => ({ apiBaseUrl: 'x' }) });
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
});
