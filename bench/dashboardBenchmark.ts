import { startLocalCloud } from '../dev/localCloud';
import { signAccessToken } from '../functions/src/realtime/serviceToken';
import type { DeviceStateUpdate } from '../functions/src/telemetry/telemetryIngestor';
import { chromiumAvailable, chromiumMissingMessage, launchChromium } from '../harness/chromium';
import { seededRandom } from '../harness/random';
import { runSimulation } from '../simulator/deviceSimulator';
import { clientToken } from '../tools/tokens';
import type { Benchmark } from './benchmark';

/**
 * The dashboard under load in headless Chromium: a fleet seeded through the real ingest path,
 * then device updates pushed through the SignalR service's REST API (as the output binding does)
 * at a fixed rate. The page reports long tasks (PerformanceObserver) and update-to-paint times;
 * the heap is read after a forced GC at the start and the end of the run.
 */
export const dashboardBenchmark: Benchmark = {
  name: 'dashboard',
  description: 'the dashboard in headless Chromium with 2,000 devices and 1,000 updates/s',
  async run({ quick, log }) {
    if (!chromiumAvailable) throw new Error(chromiumMissingMessage);
    const devices = quick ? 300 : 2000;
    const updatesPerSecond = quick ? 200 : 1000;
    const seconds = quick ? 3 : 15;
    const stack = await startLocalCloud({
      log: () => undefined,
      dashboard: { build: true, stage: 'bench' },
    });
    const browser = await launchChromium();
    try {
      const reader = await clientToken(stack.endpoints.identity, 'Fleet.Read');
      const seeded = await runSimulation({
        connectionString: stack.endpoints.iotHub.connectionString,
        localHub: stack.endpoints.iotHub,
        devices,
        rate: 1,
        messages: devices,
        devicePrefix: 'load',
        random: seededRandom(1),
      });
      await waitFor(
        async () =>
          (
            (await (
              await fetch(`${stack.endpoints.apiBaseUrl}/devices?history=0`, {
                headers: { authorization: `Bearer ${reader}` },
              })
            ).json()) as unknown[]
          ).length >= devices,
      );
      log(`seeded ${seeded.accepted} devices`);

      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      // Browser-side code goes in as text: it runs in the page, not in Node.
      await page.addInitScript({
        content: `window.longTasks = [];
          new PerformanceObserver((list) => { for (const e of list.getEntries()) window.longTasks.push(e.duration); })
            .observe({ type: 'longtask', buffered: true });`,
      });
      // Signed in as the local operator at once; the page keeps ?metrics across the sign-in.
      await page.goto(`${stack.endpoints.dashboardUrl}?metrics&login_hint=operator`);
      // Predicates as functions, not strings: the page's Content-Security-Policy forbids eval.
      // (They run in the page; this file is type-checked without the DOM's types.)
      type InPage = {
        document: {
          querySelector(
            s: string,
          ): { textContent: string | null; getAttribute(n: string): string | null } | null;
        };
      };
      await page.waitForFunction(
        (total) =>
          (globalThis as unknown as InPage).document
            .querySelector('#totals')
            ?.textContent?.includes(total) ?? false,
        devices.toLocaleString('en-US'),
      );
      await page.waitForFunction(
        () =>
          (globalThis as unknown as InPage).document
            .querySelector('#connection')
            ?.getAttribute('data-state') === 'live',
      );
      const cdp = await page.context().newCDPSession(page);
      const heapMB = async () => {
        await cdp.send('HeapProfiler.collectGarbage');
        return (await cdp.send('Runtime.getHeapUsage')).usedSize / 1024 / 1024;
      };
      await page.evaluate('window.longTasks.length = 0');
      const heapAtStart = await heapMB();

      const url = `${stack.signalR.endpoint}/api/v1/hubs/telemetry`;
      const token = signAccessToken(
        { aud: url, exp: Math.floor(Date.now() / 1000) + 3600 },
        stack.signalR.accessKey,
      );
      const batchesPerSecond = 10;
      const perBatch = updatesPerSecond / batchesPerSecond;
      const random = seededRandom(2);
      const started = performance.now();
      let sent = 0;
      for (let tick = 0; tick < seconds * batchesPerSecond; tick++) {
        const updates: DeviceStateUpdate[] = Array.from({ length: perBatch }, () => {
          const index = sent++ % devices;
          const t = new Date().toISOString();
          const temperature = Math.round((15 + random() * 10) * 10) / 10;
          return {
            deviceId: `load-${String(index + 1).padStart(3, '0')}`,
            temperature,
            humidity: 50,
            pressure: 1010,
            light: 100,
            count: 1 + Math.floor(sent / devices),
            rejected: 0,
            lastSeen: t,
            connection: { state: 'connected', since: t },
            reported: null,
            lastSequenceNumbers: {},
            history: [{ t, seq: sent, temperature, humidity: 50, pressure: 1010, light: 100 }],
          };
        });
        await fetch(url, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ target: 'deviceState', arguments: [updates] }),
        });
        const due = started + ((tick + 1) * 1000) / batchesPerSecond;
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
      const { longTasks, paints, updates } = (await page.evaluate(
        '({ longTasks: window.longTasks, paints: window.fieldlineMetrics.updateToPaintMs, updates: window.fieldlineMetrics.updates })',
      )) as { longTasks: number[]; paints: number[]; updates: number };
      const heapAtEnd = await heapMB();
      const sorted = [...paints].sort((a, b) => a - b);
      const p95 =
        sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)] ?? Number.NaN;
      log(
        `${updates} updates rendered of ${sent} sent; ${longTasks.length} long tasks; heap ${heapAtStart.toFixed(1)} -> ${heapAtEnd.toFixed(1)} MB`,
      );
      return {
        devices,
        updatesPerSecond,
        longTasksOver50ms: longTasks.filter((duration) => duration > 50).length,
        p95UpdateToPaintMs: p95,
        heapMB: heapAtEnd,
        heapGrowthMB: heapAtEnd - heapAtStart,
        renderedRatio: updates / sent,
      };
    } finally {
      await browser.close();
      await stack.stop();
    }
  },
};

async function waitFor(check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the fleet to be ingested');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
