import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { seededRandom } from '../../bench/benchmark';
import { type LocalStack, startLocalStack } from '../../local/localStack';
import { runSimulation } from '../../local/simulator/deviceSimulator';
import { simulateUsers } from '../../local/simulator/userSimulator';
import { chromiumAvailable, launchChromium } from '../support/chromium';
import { iotHubRest } from '../support/iotHubRest';

// `npm run screenshots` sets this to refresh the README's pictures in docs/.
const screenshotDir = process.env.FIELDLINE_SCREENSHOTS;

describe.skipIf(!chromiumAvailable)('the dashboard in Chromium', () => {
  let stack: LocalStack;
  let browser: Browser;
  let page: Page;
  const simulation = new AbortController();
  let simulating: Promise<unknown>;
  let sendAsProbe: (body: string) => Promise<Response>;
  const hostLog: string[] = [];
  // Eventual conditions get room on a loaded CI machine; this bounds waiting, it measures nothing.
  const eventually = { timeout: 30_000 };

  beforeAll(async () => {
    stack = await startLocalStack({
      log: (line) => hostLog.push(`${new Date().toISOString()} ${line}`),
      dashboard: { build: true, stage: 'test', staleAfterSeconds: 3, offlineAfterSeconds: 60 },
    });
    simulating = runSimulation({
      connectionString: stack.endpoints.iotHub.connectionString,
      devices: 6,
      rate: 2,
      badShare: 0,
      productEventShare: 0.3,
      signal: simulation.signal,
    });
    const hub = iotHubRest(stack.iotHub.hostName);
    const policy =
      /SharedAccessKeyName=([^;]+);SharedAccessKey=(.+)$/.exec(
        stack.endpoints.iotHub.connectionString,
      ) ?? [];
    const created = await hub.registry(
      'PUT',
      'browser-probe',
      hub.serviceToken(policy[1] ?? '', policy[2] ?? ''),
      { body: {} },
    );
    const key = (
      (await created.json()) as { authentication: { symmetricKey: { primaryKey: string } } }
    ).authentication.symmetricKey.primaryKey;
    const token = hub.deviceToken('browser-probe', key);
    sendAsProbe = (body) => hub.send('browser-probe', token, body);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(stack.endpoints.dashboardUrl ?? '');
  });

  afterAll(async () => {
    simulation.abort();
    await simulating;
    await browser?.close();
    await stack?.stop();
  });

  const row = (deviceId: string) => page.locator(`.device-list .row[data-device-id="${deviceId}"]`);

  // A failure shows what the local host was doing, so a flaky run can be diagnosed from CI's output.
  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => console.error(`last host log lines:\n${hostLog.slice(-40).join('\n')}`));
  });

  it('shows the devices, live', async () => {
    await expect
      .poll(() => page.locator('.device-list .row:not([hidden])').count(), eventually)
      .toBeGreaterThanOrEqual(6);
    await expect.poll(() => page.locator('#connection').getAttribute('data-state')).toBe('live');
    await expect.poll(() => row('sim-device-001').locator('.status').textContent()).toBe('live');
    expect(await page.locator('#stage').textContent()).toBe('test');
  });

  it('changes values after new telemetry, including 0.0 and negative readings', async () => {
    expect((await sendAsProbe('{"temperature": 12.5, "humidity": 0}')).status).toBe(204);
    await expect.poll(() => row('browser-probe').textContent(), eventually).toContain('12.5 °C');
    expect(await row('browser-probe').textContent()).toContain('0 %');
    await sendAsProbe('{"temperature": -3}');
    await expect.poll(() => row('browser-probe').textContent(), eventually).toContain('-3.0 °C');
  });

  it('lists a rejected reading in the alerts panel with its reason', async () => {
    await sendAsProbe('{"temperature": 500}');
    await expect
      .poll(() => page.locator('#alert-list').textContent(), eventually)
      .toContain('browser-probe: out of range');
    expect(await page.locator('#alert-list').textContent()).toContain(
      'temperature 500 °C is outside -40..80',
    );
  });

  it('marks a device stale when it stops sending, while the others stay live', async () => {
    // The probe sent nothing since the last test; the simulated devices keep sending.
    await expect
      .poll(() => row('browser-probe').locator('.status').textContent(), eventually)
      .toBe('stale');
    expect(await row('sim-device-001').locator('.status').textContent()).toBe('live');
  });

  it('opens a detail view with charts and the device’s rejected readings', async () => {
    await row('browser-probe').click();
    await expect
      .poll(() => page.locator('#detail[open] #detail-title').textContent())
      .toBe('browser-probe');
    await expect
      .poll(() => page.locator('#detail-charts canvas').count())
      .toBeGreaterThanOrEqual(3);
    await expect
      .poll(() => page.locator('#detail-rejections').textContent())
      .toContain('out of range');
    if (screenshotDir) {
      await page.screenshot({ path: path.join(screenshotDir, 'dashboard-detail.png') });
    }
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('#detail').getAttribute('open')).toBeNull();
  });

  it('filters by id and is usable from the keyboard', async () => {
    await page.fill('#filter', 'sim-device-00');
    await expect.poll(() => page.locator('.device-list .row:not([hidden])').count()).toBe(6);
    await page.fill('#filter', '');
    await page.focus('#device-list');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#detail').getAttribute('open')).not.toBeNull();
    await page.keyboard.press('Escape');
  });

  it('shows recent rejections in a page opened after they happened', async () => {
    const late = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    try {
      await late.goto(stack.endpoints.dashboardUrl ?? '');
      await expect
        .poll(() => late.locator('#alert-list').textContent(), eventually)
        .toContain('browser-probe: out of range');
    } finally {
      await late.close();
    }
  });

  it('shows chance encounters in their panel as they happen', async () => {
    await simulateUsers({
      apiBaseUrl: stack.endpoints.apiBaseUrl,
      functionKey: stack.endpoints.functions.functionKey,
      users: 10,
      moveEveryMs: 0,
      random: seededRandom(3),
    });
    await stack.host.invoke('encounterScheduler', '');
    const panel = page.locator('#panel-encounters');
    await expect.poll(() => panel.isVisible(), eventually).toBe(true);
    // A row may first show a notification still being sent ('pending'); it settles to 'outbox'.
    await expect
      .poll(() => panel.locator('tbody tr').first().textContent(), eventually)
      .toMatch(/walker_\d+outboxWalker \d+, we've found matches for you: @walker_\d+/);
    expect(await panel.locator('thead').textContent()).toBe('timeusersmsmessage');
    if (screenshotDir) {
      // Tall enough for the side panels to show whole, encounters at the bottom.
      await page.setViewportSize({ width: 1280, height: 1400 });
      await page.screenshot({ path: path.join(screenshotDir, 'dashboard-encounters.png') });
      await page.setViewportSize({ width: 1280, height: 800 });
    }
  });

  it('recovers after the SignalR service drops its connections', async () => {
    stack.signalR.dropAllConnections();
    // The page's own connection comes back first; its status follows.
    await expect
      .poll(() => stack.signalR.connectionCount('telemetry'), eventually)
      .toBeGreaterThan(0);
    await expect
      .poll(() => page.locator('#connection').getAttribute('data-state'), eventually)
      .toBe('live');
    expect((await sendAsProbe('{"temperature": 33.3}')).status).toBe(204);
    await expect.poll(() => row('browser-probe').textContent(), eventually).toContain('33.3 °C');
    if (screenshotDir) {
      await page.fill('#filter', '');
      await page.screenshot({ path: path.join(screenshotDir, 'dashboard.png') });
    }
  });
});
