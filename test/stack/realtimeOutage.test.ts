import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalCloud, startLocalCloud } from '../../dev/localCloud';
import { runSimulation } from '../../simulator/deviceSimulator';
import { clientToken } from '../../tools/tokens';

let stack: LocalCloud;
let reader: string;
const lines: string[] = [];
beforeAll(async () => {
  stack = await startLocalCloud({ log: (line) => lines.push(line), healthCacheMs: 0 });
  reader = await clientToken(stack.endpoints.identity, 'Fleet.Read');
});
afterAll(() => stack?.stop());

const read = async <T>(path: string): Promise<{ status: number; body: T }> => {
  const response = await fetch(`${stack.endpoints.apiBaseUrl}/${path}`, {
    headers: { authorization: `Bearer ${reader}` },
  });
  return { status: response.status, body: (await response.json()) as T };
};

describe('a SignalR outage', () => {
  it('never holds state back: every reading is applied once, and the failed sends are counted', async () => {
    await stack.signalR.stop(); // the service is gone for the rest of this test
    const summary = await runSimulation({
      connectionString: stack.endpoints.iotHub.connectionString,
      localHub: stack.endpoints.iotHub,
      devices: 4,
      rate: 20,
      messages: 80,
      badShare: 0,
      devicePrefix: 'outage',
    });
    expect(summary).toMatchObject({ sent: 80, accepted: 80, failed: 0 });
    const deadline = Date.now() + 20_000;
    let total = 0;
    while (Date.now() < deadline) {
      const { body } = await read<{ count: number }[]>('devices?history=0');
      total = body.reduce((sum, device) => sum + device.count, 0);
      if (total >= 80) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(total).toBe(80);
    expect(lines.some((line) => line.includes('realtime delivery failed'))).toBe(true);
    expect(lines.some((line) => /Executed 'ingestTelemetry' \(Failed/.test(line))).toBe(false);
    const health = await read<{
      status: string;
      checks: Record<string, { status: string; detail?: string }>;
    }>('health/details');
    expect(health.status).toBe(503);
    expect(health.body.checks.realtimeDelivery).toMatchObject({
      status: 'down',
      detail: expect.stringMatching(/^\d+ realtime sends failed since start/),
    });
    // Negotiate names the outage (503, retry), not an internal error.
    const negotiate = await fetch(`${stack.endpoints.apiBaseUrl}/negotiate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${reader}` },
    });
    expect(negotiate.status).toBe(503);
    expect(await negotiate.json()).toEqual({
      error: { code: 'unavailable', message: 'SignalR did not answer; retry shortly' },
    });
  });
});
