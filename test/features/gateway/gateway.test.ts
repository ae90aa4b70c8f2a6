import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalCloud, startLocalCloud } from '../../../dev/localCloud';
import { sasToken } from '../../../functions/src/hosting';
import { clientToken } from '../../../tools/tokens';

let stack: LocalCloud;
let api: string;
let operate: string;
let admin: string;
let read: string;

beforeAll(async () => {
  // Every health call probes afresh here, so that a dependency going down shows at once.
  stack = await startLocalCloud({ log: () => undefined, healthCacheMs: 0 });
  api = stack.endpoints.apiBaseUrl;
  const { identity } = stack.endpoints;
  [operate, admin, read] = await Promise.all([
    clientToken(identity, 'Fleet.Operate'),
    clientToken(identity, 'Fleet.Admin'),
    clientToken(identity, 'Fleet.Read'),
  ]);
});
afterAll(() => stack?.stop());

const register = (body: unknown, token: string | null = operate) =>
  fetch(`${api}/devices`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

const deviceToken = (deviceId: string, key: string, expiresIn = 600) =>
  sasToken({
    resourceUri: `${stack.iotHub.hostName}/devices/${deviceId}`,
    key,
    expiresAt: Math.floor(Date.now() / 1000) + expiresIn,
  });

const proxy = (
  deviceId: string,
  token: string | null,
  body: string | Buffer,
  headers: Record<string, string> = {},
) =>
  fetch(`${api}/devices/${encodeURIComponent(deviceId)}/messages`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: token } : {}),
      ...headers,
    },
    body,
  });

type Feed = {
  messages: {
    body: unknown;
    deviceId: string;
    partitionId: string;
    sequenceNumber: number;
    enqueuedTime: string;
    properties: Record<string, unknown>;
  }[];
  continuation: string;
};
const pull = async (query: string, token: string | null = admin) => {
  const response = await fetch(`${api}/messages?${query}`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return {
    status: response.status,
    body: (await response.json()) as Feed & { error?: { code: string } },
  };
};

describe('device registration: POST /api/devices', () => {
  it('creates a device once, with its keys, and hands them out again only to Fleet.Admin', async () => {
    const first = await register({ deviceId: 'shop-till-1' });
    expect(first.status).toBe(201);
    const device = (await first.json()) as {
      deviceId: string;
      hostName: string;
      primaryKey: string;
      connectionString: string;
    };
    expect(device).toEqual({
      deviceId: 'shop-till-1',
      hostName: stack.iotHub.hostName,
      primaryKey: expect.any(String),
      // GatewayHostName takes the device SDKs to the local MQTT port (IOTHUB_GATEWAY_HOSTNAME).
      connectionString: `HostName=${stack.iotHub.hostName};DeviceId=shop-till-1;SharedAccessKey=${device.primaryKey};GatewayHostName=${stack.endpoints.iotHub.mqtt.gatewayHostName}`,
    });
    // Keys only at creation: an existing id is a 409 without them (Fleet.Operate could otherwise
    // read any device's key and send as it).
    const again = await register({ deviceId: 'shop-till-1' });
    expect(again.status).toBe(409);
    const refusal = (await again.json()) as { error: { code: string; message: string } };
    expect(refusal.error.code).toBe('conflict');
    expect(JSON.stringify(refusal)).not.toContain(device.primaryKey);
    // A Fleet.Admin reads an existing device's connection string on its own endpoint, logged.
    const connection = (token: string) =>
      fetch(`${api}/devices/shop-till-1/connection-string`, {
        headers: { authorization: `Bearer ${token}` },
      });
    expect((await connection(operate)).status).toBe(403);
    const handed = await connection(admin);
    expect(handed.status).toBe(200);
    expect(handed.headers.get('cache-control')).toBe('no-store');
    expect(await handed.json()).toEqual(device);
    expect(
      (
        await fetch(`${api}/devices/ghost-9/connection-string`, {
          headers: { authorization: `Bearer ${admin}` },
        })
      ).status,
    ).toBe(404);
    // The key really is the device's: the hub accepts a token made from it.
    expect(
      (
        await proxy(
          'shop-till-1',
          deviceToken('shop-till-1', device.primaryKey),
          '{"temperature":20}',
        )
      ).status,
    ).toBe(204);
  });

  it('needs Fleet.Operate and a valid device id', async () => {
    expect((await register({ deviceId: 'x1' }, null)).status).toBe(401);
    expect((await register({ deviceId: 'x1' }, read)).status).toBe(403);
    const invalid = await register({ deviceId: 'has space' });
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toEqual({
      error: { code: 'validation_failed', message: expect.stringContaining("IoT Hub's rules") },
    });
    expect((await register({})).status).toBe(400);
    expect((await register('{oops')).status).toBe(400);
  });
});

describe('browser proxy: POST /api/devices/{id}/messages', () => {
  let key: string;
  beforeAll(async () => {
    key = ((await (await register({ deviceId: 'kiosk-7' })).json()) as { primaryKey: string })
      .primaryKey;
  });

  it('forwards a message with its iothub-app-* properties, and answers CORS preflights', async () => {
    const before = await pull('max=1000&waitMs=0');
    expect(
      (
        await proxy('kiosk-7', deviceToken('kiosk-7', key), '{"event":"view","product_id":"p1"}', {
          'iothub-app-type': 'analytics',
        })
      ).status,
    ).toBe(204);
    const after = await pull(`after=${before.body.continuation}&max=10&waitMs=2000`);
    expect(after.body.messages).toContainEqual(
      expect.objectContaining({
        deviceId: 'kiosk-7',
        body: { event: 'view', product_id: 'p1' },
        properties: { type: 'analytics' },
      }),
    );
    const preflight = await fetch(`${api}/devices/kiosk-7/messages`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://shop.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization',
      },
    });
    expect(preflight.status).toBe(204);
  });

  it.each([
    ['no token', () => proxy('kiosk-7', null, '{}'), 401, 'unauthorized'],
    ['a raw key instead of a token', () => proxy('kiosk-7', key, '{}'), 401, 'unauthorized'],
    [
      'a token signed with another key',
      () => proxy('kiosk-7', deviceToken('kiosk-7', Buffer.alloc(32, 1).toString('base64')), '{}'),
      401,
      'unauthorized',
    ],
    [
      'an expired token',
      () => proxy('kiosk-7', deviceToken('kiosk-7', key, -5), '{}'),
      401,
      'unauthorized',
    ],
    [
      'an unknown device',
      () => proxy('ghost-1', deviceToken('ghost-1', key), '{}'),
      404,
      'not_found',
    ],
    [
      'a body over 256 KB',
      () => proxy('kiosk-7', deviceToken('kiosk-7', key), Buffer.alloc(256 * 1024 + 1, 97)),
      413,
      'payload_too_large',
    ],
  ])('refuses %s', async (_, send, status, code) => {
    const response = await send();
    expect(response.status).toBe(status);
    expect(await response.json()).toEqual({ error: { code, message: expect.any(String) } });
  });
});

describe('decommissioning: DELETE /api/devices/{id}', () => {
  const remove = (deviceId: string, token: string | null) =>
    fetch(`${api}/devices/${encodeURIComponent(deviceId)}`, {
      method: 'DELETE',
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
  const state = (deviceId: string) =>
    fetch(`${api}/devices/${encodeURIComponent(deviceId)}`, {
      headers: { authorization: `Bearer ${read}` },
    });

  it('removes the identity and every row of the device, for Fleet.Admin only', async () => {
    const { primaryKey } = (await (await register({ deviceId: 'retired-1' })).json()) as {
      primaryKey: string;
    };
    expect(
      (await proxy('retired-1', deviceToken('retired-1', primaryKey), '{"temperature": 21.5}'))
        .status,
    ).toBe(204);
    const deadline = Date.now() + 15_000;
    while ((await state('retired-1')).status !== 200 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await state('retired-1')).status).toBe(200);
    await fetch(`${api}/devices/retired-1/calibration`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${operate}`, 'content-type': 'application/json' },
      body: JSON.stringify({ temperature: { slope: 1, intercept: 0.5 } }),
    });

    for (const token of [read, operate])
      expect((await remove('retired-1', token)).status).toBe(403);
    expect((await remove('retired-1', null)).status).toBe(401);
    expect((await remove('retired-1', admin)).status).toBe(204);
    expect(stack.iotHub.registry.get('retired-1')).toBeUndefined();
    expect((await state('retired-1')).status).toBe(404);
    // Its SAS key no longer opens the hub.
    expect(
      (await proxy('retired-1', deviceToken('retired-1', primaryKey), '{"temperature": 1}')).status,
    ).toBe(404);
    const again = await remove('retired-1', admin);
    expect(again.status).toBe(404);
    expect(await again.json()).toEqual({
      error: { code: 'not_found', message: 'no device retired-1 in the registry or the fleet' },
    });
    expect((await remove('bad id!', admin)).status).toBe(400);
  }, 30_000);
});

describe('pull feed: GET /api/messages', () => {
  it('pages through every partition with an opaque continuation, each message once', async () => {
    const start = (await pull('max=1000&waitMs=0')).body.continuation;
    const keys = new Map<string, string>();
    for (const id of ['feed-a', 'feed-b', 'feed-c', 'feed-d', 'feed-e']) {
      keys.set(
        id,
        ((await (await register({ deviceId: id })).json()) as { primaryKey: string }).primaryKey,
      );
    }
    const sent: string[] = [];
    for (let round = 0; round < 3; round++) {
      for (const [id, key] of keys) {
        const body = JSON.stringify({ round, id });
        expect((await proxy(id, deviceToken(id, key), body)).status).toBe(204);
        sent.push(`${id}/${round}`);
      }
    }
    const partitions = new Set<string>();
    const received: string[] = [];
    let continuation = start;
    for (let page = 0; page < 20 && received.length < sent.length; page++) {
      const { status, body } = await pull(`after=${continuation}&max=4&waitMs=200`);
      expect(status).toBe(200);
      expect(body.messages.length).toBeLessThanOrEqual(4);
      for (const message of body.messages) {
        partitions.add(message.partitionId);
        const { id, round } = message.body as { id: string; round: number };
        received.push(`${id}/${round}`);
      }
      continuation = body.continuation;
    }
    expect(received.sort()).toEqual(sent.sort());
    expect(partitions.size).toBeGreaterThan(1);
    expect((await pull(`after=${continuation}&max=10&waitMs=0`)).body.messages).toEqual([]);
  });

  it('returns as soon as max messages are there, or when waitMs passes', async () => {
    const { continuation } = (await pull('max=1000&waitMs=0')).body;
    const empty = await pull(`after=${continuation}&max=5&waitMs=300`);
    expect(empty.body).toEqual({ messages: [], continuation });
    const key = ((await (await register({ deviceId: 'late-1' })).json()) as { primaryKey: string })
      .primaryKey;
    const waiting = pull(`after=${continuation}&max=1&waitMs=15000`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await proxy('late-1', deviceToken('late-1', key), '{"late":true}');
    const arrived = await waiting;
    expect(arrived.body.messages).toEqual([
      expect.objectContaining({ deviceId: 'late-1', body: { late: true } }),
    ]);
  });

  it('refuses a tampered continuation token with 400, and callers without a key', async () => {
    const { continuation } = (await pull('max=1&waitMs=0')).body;
    const [payload = '', sum] = continuation.split('.');
    const edited = Buffer.from(JSON.stringify({ v: 1, p: { 0: 999_999 } })).toString('base64url');
    for (const token of [
      `${edited}.${sum}`,
      `${payload}.0000000000000000`,
      'garbage',
      `${payload}`,
    ]) {
      const { status, body } = await pull(`after=${encodeURIComponent(token)}`);
      expect(status).toBe(400);
      expect(body.error?.code).toBe('bad_request');
    }
    expect((await pull('max=1', null)).status).toBe(401);
    expect((await pull('max=1', read)).status).toBe(403);
    expect((await pull('max=5000')).status).toBe(400);
  });
});

describe('health: GET /api/health and /api/health/details', () => {
  it('tells anyone only ok or degraded, and Fleet.Read every dependency, down ones too', async () => {
    const anonymous = await fetch(`${api}/health`);
    expect(anonymous.status).toBe(200);
    expect(await anonymous.json()).toEqual({ status: 'ok' });
    expect((await fetch(`${api}/health/details`)).status).toBe(401);
    const details = (token: string) =>
      fetch(`${api}/health/details`, { headers: { authorization: `Bearer ${token}` } });
    expect((await details(admin)).status).toBe(403);
    const healthy = await details(read);
    expect(healthy.status).toBe(200);
    expect(await healthy.json()).toEqual({
      status: 'ok',
      checks: {
        storage: { status: 'ok', ms: expect.any(Number) },
        iotHubRegistry: { status: 'ok', ms: expect.any(Number) },
        eventFeed: { status: 'ok', ms: expect.any(Number) },
        realtimeDelivery: { status: 'ok', ms: expect.any(Number) },
      },
    });
    await stack.iotHub.stop(); // the hub goes away; storage stays
    const down = await fetch(`${api}/health`);
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({ status: 'degraded' });
    const degraded = await details(read);
    expect(degraded.status).toBe(503);
    expect(await degraded.json()).toMatchObject({
      status: 'degraded',
      checks: {
        storage: { status: 'ok' },
        iotHubRegistry: { status: 'down', detail: expect.any(String) },
      },
    });
  });
});
