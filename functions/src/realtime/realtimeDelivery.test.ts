import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createRealtimeDelivery } from './realtimeDelivery';

/** A SignalR REST endpoint that answers each hub as `answer` says, and counts what it got. */
async function fakeService(answer: (hub: string) => number) {
  const received: string[] = [];
  const server = createServer((request, response) => {
    const hub = /\/api\/v1\/hubs\/([^/]+)/.exec(request.url ?? '')?.[1] ?? '';
    received.push(hub);
    request.resume();
    request.on('end', () => response.writeHead(answer(hub)).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { endpoint: `http://127.0.0.1:${port}`, received, stop: () => server.close() };
}

const stops: (() => void)[] = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
});

const message = { target: 'roomState', arguments: [{}] };

describe('realtime delivery', () => {
  it("a 413 fails only that message: no breaker, the hub's next send and other hubs go through (regression)", async () => {
    let tooLarge = true;
    const service = await fakeService((hub) => (hub === 'rooms' && tooLarge ? 413 : 202));
    stops.push(service.stop);
    const lines: string[] = [];
    const delivery = createRealtimeDelivery(
      { kind: 'accessKey', endpoint: service.endpoint, accessKey: 'k' },
      { bearer: async () => 'token', backoffMs: 1 },
    );
    expect(await delivery.send('rooms', [message], (l) => lines.push(l))).toBe(false);
    // Not retried: a 413 will not pass on a second try.
    expect(service.received).toEqual(['rooms']);
    expect(await delivery.send('telemetry', [message], (l) => lines.push(l))).toBe(true);
    tooLarge = false;
    expect(await delivery.send('rooms', [message], (l) => lines.push(l))).toBe(true);
    await expect(delivery.check()).rejects.toThrow(
      /1 realtime sends failed since start \(1 refused as too large\)/,
    );
  });

  it('throttling opens the breaker of that hub only', async () => {
    const service = await fakeService((hub) => (hub === 'rooms' ? 429 : 202));
    stops.push(service.stop);
    const delivery = createRealtimeDelivery(
      { kind: 'accessKey', endpoint: service.endpoint, accessKey: 'k' },
      { bearer: async () => 'token', backoffMs: 1 },
    );
    expect(await delivery.send('rooms', [message], () => undefined)).toBe(false);
    const tried = service.received.length;
    expect(tried).toBe(3); // three tries
    // Rooms sends are now dropped without trying; telemetry still goes through.
    expect(await delivery.send('rooms', [message], () => undefined)).toBe(false);
    expect(service.received.length).toBe(tried);
    expect(await delivery.send('telemetry', [message], () => undefined)).toBe(true);
    expect(service.received.at(-1)).toBe('telemetry');
  });
});
