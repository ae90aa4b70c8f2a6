import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type LocalCloud, startLocalCloud } from '../../dev/localCloud';
import { chromiumAvailable, launchChromium } from '../../harness/chromium';
import { seededRandom } from '../../harness/random';
import { runSimulation } from '../../simulator/deviceSimulator';
import { outboxCodeReader, simulateUsers } from '../../simulator/userSimulator';
import { clientToken } from '../../tools/tokens';
import { hubRequests } from '../support/hubRequests';

// `npm run screenshots` sets this to refresh the README's pictures in docs/.
const screenshotDir = process.env.FIELDLINE_SCREENSHOTS;

describe.skipIf(!chromiumAvailable)('the dashboard in Chromium', () => {
  let stack: LocalCloud;
  let browser: Browser;
  let page: Page;
  const simulation = new AbortController();
  let simulating: Promise<unknown>;
  let sdkSimulating: Promise<unknown> | undefined;
  let sendAsProbe: (body: string) => Promise<Response>;
  const hostLog: string[] = [];
  // Eventual conditions get room on a loaded CI machine; this bounds waiting, it measures nothing.
  const eventually = { timeout: 30_000 };

  beforeAll(async () => {
    stack = await startLocalCloud({
      log: (line) => hostLog.push(`${new Date().toISOString()} ${line}`),
      dashboard: { build: true, stage: 'test', staleAfterSeconds: 3, offlineAfterSeconds: 60 },
    });
    simulating = runSimulation({
      connectionString: stack.endpoints.iotHub.connectionString,
      localHub: stack.endpoints.iotHub,
      devices: 6,
      rate: 2,
      badShare: 0,
      productEventShare: 0.3,
      signal: simulation.signal,
    });
    const hub = hubRequests(stack.iotHub);
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
    // Whatever the page's Content-Security-Policy blocks, Chromium reports on the console.
    watchPolicy(page);
  });

  const policyViolations: string[] = [];
  const watchPolicy = (watched: Page) =>
    watched.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) policyViolations.push(message.text());
    });

  /** A new page (its own session storage) signed in as a local user through `login_hint`. */
  const signedInPage = async (user: string) => {
    const opened = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    watchPolicy(opened);
    await opened.goto(`${stack.endpoints.dashboardUrl}?login_hint=${user}`);
    await expect.poll(() => opened.locator('#user').textContent(), eventually).not.toBe('');
    return opened;
  };

  afterAll(async () => {
    simulation.abort();
    await simulating;
    await sdkSimulating;
    await browser?.close();
    await stack?.stop();
  });

  const row = (deviceId: string) => page.locator(`.device-list .row[data-device-id="${deviceId}"]`);

  // A failure shows what the local host was doing, so a flaky run can be diagnosed from CI's output.
  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => console.error(`last host log lines:\n${hostLog.slice(-40).join('\n')}`));
  });

  it('signs in through the local issuer: the sign-in screen, its user list, back with a session', async () => {
    await page.goto(stack.endpoints.dashboardUrl ?? '');
    await expect.poll(() => page.locator('#sign-in').isVisible(), eventually).toBe(true);
    expect(await page.locator('#app').isVisible()).toBe(false);
    await page.click('#sign-in-button');
    // The issuer's page lists the local users; the operator is one click away.
    await page.waitForURL(/\/oauth2\/v2\.0\/authorize/);
    if (screenshotDir)
      await page.screenshot({ path: path.join(screenshotDir, 'sign-in-local.png') });
    await page.getByRole('button', { name: 'Local Operator' }).click();
    await expect.poll(() => page.locator('#user').textContent(), eventually).toBe('Local Operator');
    expect(page.url()).toBe(stack.endpoints.dashboardUrl);
    expect(await page.locator('#sign-out').isVisible()).toBe(true);
    // Tokens live in session storage, not in local storage or cookies.
    const stored = (await page.evaluate(
      "({ session: Object.keys(sessionStorage).join(' '), local: localStorage.length })",
    )) as { session: string; local: number };
    expect(stored.session).toMatch(/oidc\.user:/);
    expect(stored.local).toBe(0);
    expect(await page.context().cookies()).toEqual([]);
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
    // The operator (Fleet.Operate) has the calibration form, and the API takes it.
    const form = page.locator('#calibration');
    expect(await form.isVisible()).toBe(true);
    await form.locator('input[name="temperature-intercept"]').fill('0.5');
    await form.locator('button[type="submit"]').click();
    await expect.poll(() => form.locator('output').textContent(), eventually).toContain('Saved');
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
  }, 90_000);

  /** The API as an operator's tool calls it (Fleet.Operate), for what the test sets up. */
  const asOperator = async (method: string, path: string, body?: unknown) => {
    const token = await clientToken(stack.endpoints.identity, 'Fleet.Operate');
    return fetch(`${stack.endpoints.apiBaseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  };
  const alarmItem = (ruleId: string) =>
    page
      .locator(`#alarm-list .alarm[data-device-id], #alarm-list .alarm`)
      .filter({ hasText: ruleId });

  it('shows an alarm raised, lets the operator acknowledge it, and shows it cleared in the history', async () => {
    const rule = {
      metric: 'temperature',
      op: '>',
      threshold: 22,
      scope: { deviceId: 'browser-probe' },
      severity: 'critical',
      description: 'probe too warm',
    };
    expect((await asOperator('PUT', '/alarm-rules/probe-warm', rule)).status).toBe(200);
    // The rule snapshot is dropped on write in this instance; the next batch is evaluated with it.
    await sendAsProbe('{"temperature": 25}');
    const item = alarmItem('probe-warm');
    await expect.poll(() => item.getAttribute('data-state'), eventually).toBe('active');
    expect(await item.getAttribute('data-severity')).toBe('critical');
    expect(await page.locator('#alarm-count').getAttribute('data-severity')).toBe('critical');
    if (screenshotDir)
      await page.screenshot({ path: path.join(screenshotDir, 'dashboard-alarms.png') });
    await item.getByRole('button', { name: 'Acknowledge' }).click();
    await expect.poll(() => item.getAttribute('data-state'), eventually).toBe('acknowledged');
    expect(await item.textContent()).toContain('acknowledged by operator');
    await sendAsProbe('{"temperature": 20}');
    await expect.poll(() => alarmItem('probe-warm').count(), eventually).toBe(0);
    await page.check('#alarm-history');
    await expect
      .poll(() => alarmItem('probe-warm').getAttribute('data-state'), eventually)
      .toBe('cleared');
    await page.uncheck('#alarm-history');
  });

  it("edits alarm rules with the API's own validation", async () => {
    const form = page.locator('#rule-form');
    await form.locator('input[name="ruleId"]').fill('Not An Id');
    await form.locator('button[type="submit"]').click();
    const output = form.locator('output');
    expect(await output.getAttribute('data-state')).toBe('invalid');
    expect(await output.textContent()).toContain('ruleId is 1-63 lower-case letters');
    expect(await output.textContent()).toContain('threshold is a number');
    await form.locator('input[name="ruleId"]').fill('humid-rooms');
    await form.locator('select[name="metric"]').selectOption('humidity');
    await form.locator('select[name="op"]').selectOption('>=');
    await form.locator('input[name="threshold"]').fill('95');
    await form.locator('select[name="scopeKind"]').selectOption('tag');
    await form.locator('input[name="scopeValue"]').fill('cold-room');
    await form.locator('button[type="submit"]').click();
    await expect.poll(() => output.textContent(), eventually).toBe('Saved rule humid-rooms.');
    const listed = page.locator('#rule-list li[data-rule-id="humid-rooms"]');
    await expect
      .poll(() => listed.textContent(), eventually)
      .toContain('humidity >= 95 (tag cold-room, warning)');
    await listed.getByRole('button', { name: 'Delete rule humid-rooms' }).click();
    await expect.poll(() => listed.count(), eventually).toBe(0);
  });

  it('filters devices by tag', async () => {
    expect(
      (await asOperator('PUT', '/devices/sim-device-002/tags', { tags: ['cold-room'] })).status,
    ).toBe(200);
    const tagged = await signedInPage('operator');
    try {
      await expect
        .poll(() => tagged.locator('#tag-filter option').allTextContents(), eventually)
        .toContain('Tag: cold-room');
      await tagged.selectOption('#tag-filter', 'cold-room');
      await expect
        .poll(() =>
          tagged
            .locator('.device-list .row:not([hidden])')
            .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-device-id'))),
        )
        .toEqual(['sim-device-002']);
    } finally {
      await tagged.close();
    }
  });

  it('charts a device over a chosen range, aggregated, and downloads it as CSV', async () => {
    await row('sim-device-001').click();
    const history = page.locator('#detail-history');
    // A device opens on the last 24 hours.
    await expect
      .poll(() => history.locator('.history-status').textContent(), eventually)
      .toMatch(/\d+ 5m buckets/);
    await history.getByRole('button', { name: '1 h' }).click();
    await expect
      .poll(() => history.locator('.history-status').textContent(), eventually)
      .toMatch(/[1-9]\d* 1m buckets/);
    expect(await history.locator('.history-charts canvas').count()).toBe(3);
    for (const range of ['7 d', '30 d']) {
      await history.getByRole('button', { name: range }).click();
      await expect
        .poll(() => history.locator('.history-status').textContent(), eventually)
        .toMatch(/\d+ 1h buckets/);
    }
    await history.getByRole('button', { name: 'Custom' }).click();
    const now = new Date();
    const local = (d: Date) =>
      new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
    await history.locator('input[name="from"]').fill(local(new Date(now.getTime() - 90 * 60_000)));
    await history.locator('input[name="to"]').fill(local(new Date(now.getTime() + 60_000)));
    await history.getByRole('button', { name: 'Show' }).click();
    await expect
      .poll(() => history.locator('.history-status').textContent(), eventually)
      .toMatch(/[1-9]\d* 1m buckets/);
    if (screenshotDir) {
      await history.locator('.history-charts').scrollIntoViewIfNeeded();
      await page.screenshot({ path: path.join(screenshotDir, 'dashboard-history.png') });
    }
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      history.getByRole('button', { name: 'Download CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('sim-device-001-history-1m.csv');
    const file = await download.path();
    const { readFile } = await import('node:fs/promises');
    const lines = (await readFile(file, 'utf8')).trim().split('\n');
    expect(lines[0]).toMatch(/^bucket_start,temperature_count,temperature_min,/);
    expect(lines.length).toBeGreaterThan(1);
    await page.keyboard.press('Escape');
  }, 90_000);

  it('shows recent rejections in a page opened after they happened', async () => {
    const late = await signedInPage('operator');
    try {
      await expect
        .poll(() => late.locator('#alert-list').textContent(), eventually)
        .toContain('browser-probe: out of range');
    } finally {
      await late.close();
    }
  });

  it('shows chance encounters in their panel as they happen', async () => {
    const manager = await clientToken(stack.endpoints.identity, 'Users.Manage');
    await simulateUsers({
      apiBaseUrl: stack.endpoints.apiBaseUrl,
      accessToken: async () => manager,
      readCode: outboxCodeReader(stack.endpoints.apiBaseUrl, () =>
        clientToken(stack.endpoints.identity, 'Fleet.Admin'),
      ),
      users: 10,
      moveEveryMs: 0,
      random: seededRandom(3),
    });
    await stack.host.invoke('encounterScheduler', '');
    const panel = page.locator('#panel-encounters');
    await expect.poll(() => panel.isVisible(), eventually).toBe(true);
    // A row may first show a notification still being sent ('pending'); it settles to 'outbox'.
    // Operators see how many and the outcome; who was matched with whom stays out of the page.
    await expect
      .poll(() => panel.locator('tbody tr td').nth(2).textContent(), eventually)
      .toBe('outbox');
    expect(await panel.locator('thead').textContent()).toBe('timematchessms');
    expect(await panel.textContent()).not.toMatch(/walker/i);
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
    // Calibrated by the form earlier: + 0.5 °C.
    await expect.poll(() => row('browser-probe').textContent(), eventually).toContain('33.8 °C');
    if (screenshotDir) {
      await page.fill('#filter', '');
      await page.screenshot({ path: path.join(screenshotDir, 'dashboard.png') });
    }
  });

  it("shows an SDK device's connection and reported properties, sets its desired properties, runs a command, and lists the activity", async () => {
    // Two devices on the SDK over MQTT, which act on their twins (see simulator/deviceBehaviour).
    sdkSimulating = runSimulation({
      connectionString: stack.endpoints.iotHub.connectionString,
      localHub: stack.endpoints.iotHub,
      transport: 'mqtt',
      devices: 2,
      rate: 1,
      devicePrefix: 'sdk-sim',
      signal: simulation.signal,
    });
    await expect.poll(() => row('sdk-sim-001').count(), eventually).toBe(1);
    await row('sdk-sim-001').click();
    const panel = page.locator('#detail[open] #detail-device');
    await expect
      .poll(() => panel.locator('.device-connection').textContent(), eventually)
      .toMatch(/^connected since/);
    await expect
      .poll(() => panel.locator('.reported tr', { hasText: 'firmware' }).textContent(), eventually)
      .toContain('"1.4.2"');
    await panel.locator('.desired-form textarea').fill('{"sampleIntervalSeconds": 30}');
    await panel.getByRole('button', { name: 'Send desired' }).click();
    await expect
      .poll(() => panel.locator('.desired-result').textContent(), eventually)
      .toMatch(/^Sent: desired version \d+/);
    // The device follows it and reports it back, live.
    await expect
      .poll(
        () => panel.locator('.reported tr', { hasText: 'sampleIntervalSeconds' }).textContent(),
        eventually,
      )
      .toContain('30');
    await panel.locator('.command-form input[name="command"]').fill('getDiagnostics');
    await panel.getByRole('button', { name: 'Run command' }).click();
    await expect
      .poll(() => panel.locator('.command-answer').textContent(), eventually)
      .toMatch(/^status 200\n[\s\S]*"firmware": "1.4.2"/);
    await expect
      .poll(() => panel.locator('.activity li').allTextContents(), eventually)
      .toEqual([
        expect.stringContaining('operator@fieldline.local ran getDiagnostics: status 200'),
        expect.stringContaining(
          'operator@fieldline.local set desired {"sampleIntervalSeconds":30}',
        ),
      ]);
    if (screenshotDir)
      await page
        .locator('#detail')
        .screenshot({ path: path.join(screenshotDir, 'dashboard-device.png') });
    await page.keyboard.press('Escape');
  }, 90_000);

  it('starts a job for a tag in the jobs panel and shows its progress to the end', async () => {
    const operator = await clientToken(stack.endpoints.identity, 'Fleet.Operate');
    for (const deviceId of ['sdk-sim-001', 'sdk-sim-002']) {
      const tagged = await fetch(`${stack.endpoints.apiBaseUrl}/devices/${deviceId}/tags`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' },
        body: JSON.stringify({ tags: ['lab'] }),
      });
      expect(tagged.status).toBe(200);
    }
    const jobs = page.locator('#panel-jobs');
    expect(await jobs.isVisible()).toBe(true);
    await jobs.locator('input[name="tag"]').fill('lab');
    await jobs.locator('textarea[name="body"]').fill('{"sampleIntervalSeconds": 20}');
    await jobs.getByRole('button', { name: 'Start job' }).click();
    await expect
      .poll(() => jobs.locator('output').textContent(), eventually)
      .toMatch(/^Started fl-/);
    await expect
      .poll(() => jobs.locator('.jobs li .job-status').first().textContent(), eventually)
      .toBe(' desired on lab: completed, 2 of 2 done, 0 failed, 0 pending');
    if (screenshotDir)
      await jobs.screenshot({ path: path.join(screenshotDir, 'dashboard-jobs.png') });
  });

  it('shows a viewer the data but no calibration control', async () => {
    const viewer = await signedInPage('viewer');
    try {
      expect(await viewer.locator('#user').textContent()).toBe('Local Viewer');
      await expect
        .poll(() => viewer.locator('.device-list .row:not([hidden])').count(), eventually)
        .toBeGreaterThanOrEqual(6);
      await viewer.locator('.device-list .row[data-device-id="browser-probe"]').click();
      await expect
        .poll(() => viewer.locator('#detail[open] #detail-title').textContent())
        .toBe('browser-probe');
      expect(await viewer.locator('#calibration').count()).toBe(0);
      // The device's state to read, no desired editor, no commands, no jobs.
      await expect
        .poll(() => viewer.locator('#detail-device .device-connection').textContent())
        .not.toBe('');
      expect(await viewer.locator('#detail-device .desired-form').count()).toBe(0);
      expect(await viewer.locator('#detail-device .command-form').count()).toBe(0);
      expect(await viewer.locator('#panel-jobs form').count()).toBe(0);
      expect(await viewer.locator('#panel-jobs').isVisible()).toBe(false);
      // Alarms and rules to read, nothing to acknowledge or edit.
      expect(await viewer.locator('#rule-form').count()).toBe(0);
      expect(await viewer.locator('#alarm-list button').count()).toBe(0);
      await expect
        .poll(() => viewer.locator('#rule-list li').count(), eventually)
        .toBeGreaterThan(0);
    } finally {
      await viewer.close();
    }
  });

  it('signs out: the session is gone and the sign-in screen is back', async () => {
    await page.click('#sign-out');
    await expect.poll(() => page.locator('#sign-in').isVisible(), eventually).toBe(true);
    expect(await page.evaluate("Object.keys(sessionStorage).join(' ')")).not.toMatch(/oidc\.user:/);
    await page.reload();
    expect(await page.locator('#sign-in').isVisible()).toBe(true);
  });

  it('breaks none of its Content-Security-Policy (checked after every other test)', () => {
    expect(policyViolations).toEqual([]);
  });
});
