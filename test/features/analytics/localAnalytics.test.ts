import { BlobServiceClient } from '@azure/storage-blob';
import type { HubConnection } from '@microsoft/signalr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalCloud, startLocalCloud } from '../../../dev/localCloud';
import type { ProductActivity } from '../../../functions/src/analytics/productAnalytics';
import { runSimulation } from '../../../simulator/deviceSimulator';
import { clientToken } from '../../../tools/tokens';
import { connectAsDashboard } from '../../support/dashboardConnection';
import { hubRequests } from '../../support/hubRequests';

let stack: LocalCloud;
let client: HubConnection;
let reader = '';
/** GET with a Fleet.Read token, as the dashboard reads. */
const read = (path: string) =>
  fetch(`${stack.endpoints.apiBaseUrl}/${path}`, {
    headers: { authorization: `Bearer ${reader}` },
  });
const live: ProductActivity[][] = [];
let send: (body: unknown, type?: string) => Promise<number>;

const uploadProducts = async (products: unknown[]) => {
  const container = BlobServiceClient.fromConnectionString(
    stack.endpoints.storage.connectionString,
  ).getContainerClient('reference');
  await container
    .getBlockBlobClient('products.json')
    .uploadData(Buffer.from(JSON.stringify(products)));
};
const top = async () =>
  (await (await read('analytics/products?minutes=60')).json()) as ProductActivity[];
const eventually = async <T>(
  read: () => Promise<T>,
  accept: (value: T) => boolean,
  timeoutMs = 15_000,
): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (accept(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

beforeAll(async () => {
  // Revalidate reference data on every read, so the update test needs no waiting.
  stack = await startLocalCloud({
    log: () => undefined,
    settings: { ANALYTICS_REFERENCE_REFRESH_SECONDS: '0' },
  });
  await uploadProducts([
    { product_id: 'p1', name: 'Trail runner', price: 89.9, sku_id: 'TR-1', can_purchase: true },
  ]);
  ({ connection: client, reader } = await connectAsDashboard(stack, {
    analytics: (rows: ProductActivity[]) => live.push(rows),
  }));
  const hub = hubRequests(stack.iotHub);
  const [, policy, key] =
    /SharedAccessKeyName=([^;]+);SharedAccessKey=(.+)$/.exec(
      stack.endpoints.iotHub.connectionString,
    ) ?? [];
  const created = await hub.registry('PUT', 'shop-1', hub.serviceToken(policy ?? '', key ?? ''), {
    body: {},
  });
  const deviceKey = (
    (await created.json()) as { authentication: { symmetricKey: { primaryKey: string } } }
  ).authentication.symmetricKey.primaryKey;
  const token = hub.deviceToken('shop-1', deviceKey);
  send = async (body, type = 'analytics') =>
    (await hub.send('shop-1', token, JSON.stringify(body), type ? { 'iothub-app-type': type } : {}))
      .status;
});
afterAll(async () => {
  await client?.stop();
  await stack?.stop();
});

describe('product analytics', () => {
  it('counts product events per product, joined with the reference data, and counts unknown products as such', async () => {
    for (const [event, user] of [
      ['view', 'u1'],
      ['view', 'u2'],
      ['view', 'u1'],
      ['add_to_cart', 'u2'],
    ]) {
      expect(
        await send({
          event,
          event_value: 0,
          product_id: 'p1',
          size_name: '42',
          color_name: 'black',
          user_id: user,
        }),
      ).toBe(204);
    }
    expect(await send({ event: 'view', product_id: 'p-unknown', user_id: 'u3' })).toBe(204);
    const rows = await eventually(
      top,
      (r) => r.find((p) => p.product_id === 'p1')?.events === 4 && r.length === 2,
    );
    expect(rows).toEqual([
      expect.objectContaining({
        product_id: 'p1',
        name: 'Trail runner',
        price: 89.9,
        views: 3,
        distinctUsers: 2,
        events: 4,
        eventCounts: { view: 3, add_to_cart: 1 },
        known: true,
      }),
      expect.objectContaining({
        product_id: 'p-unknown',
        name: null,
        views: 1,
        distinctUsers: 1,
        known: false,
      }),
    ]);
    await eventually(
      async () => live.flat(),
      (all) => all.some((p) => p.product_id === 'p1'),
    );
    expect(live.flat().some((p) => p.product_id === 'p1' && p.name === 'Trail runner')).toBe(true);
  });

  it('takes a new reference upload into account without a restart', async () => {
    await uploadProducts([
      { product_id: 'p1', name: 'Trail runner v2', price: 79.9 },
      { product_id: 'p-unknown', name: 'Now known' },
    ]);
    const rows = await eventually(top, (r) => r[0]?.name === 'Trail runner v2');
    expect(rows.map((p) => [p.product_id, p.name, p.price, p.known])).toEqual([
      ['p1', 'Trail runner v2', 79.9, true],
      ['p-unknown', 'Now known', null, true],
    ]);
  });

  it('keeps product events out of telemetry, and telemetry out of analytics', async () => {
    expect(await send({ temperature: 21 }, '')).toBe(204);
    const devices = await eventually(
      async () =>
        (await (await read('devices?history=0')).json()) as {
          deviceId: string;
          count: number;
          rejected: number;
        }[],
      (d) => d.some((device) => device.deviceId === 'shop-1'),
    );
    // Five product events and one reading: the device has one accepted reading and no rejections.
    expect(devices.find((d) => d.deviceId === 'shop-1')).toMatchObject({ count: 1, rejected: 0 });
    expect((await top()).reduce((sum, p) => sum + p.events, 0)).toBe(5);
  });

  it("receives the simulator's product events (--events) as analytics, not as rejected telemetry", async () => {
    const before = (await top()).reduce((sum, p) => sum + p.events, 0);
    const summary = await runSimulation({
      connectionString: stack.endpoints.iotHub.connectionString,
      localHub: stack.endpoints.iotHub,
      devices: 3,
      rate: 20,
      messages: 30,
      badShare: 0,
      productEventShare: 1,
      devicePrefix: 'till',
    });
    expect(summary).toMatchObject({ accepted: 30, failed: 0 });
    const after = await eventually(
      top,
      (rows) => rows.reduce((sum, p) => sum + p.events, 0) === before + 30,
    );
    expect(after.reduce((sum, p) => sum + p.events, 0)).toBe(before + 30);
    const rejections = (await (await read('rejections?deviceId=till-001')).json()) as unknown[];
    expect(rejections).toEqual([]);
  });

  it('validates its query', async () => {
    const response = await read('analytics/products?minutes=0');
    expect(response.status).toBe(400);
  });

  it('counts what used to stall a partition: a key too long for Table storage, a huge user id, the seed’s unmarked events', async () => {
    const longProduct = '€'.repeat(128); // URL-encodes to 1,152 characters
    const hugeUser = 'u'.repeat(40_000);
    expect(await send({ event: 'view', product_id: longProduct, user_id: 'u1' })).toBe(204);
    expect(await send({ event: 'view', product_id: 'p-huge-user', user_id: hugeUser })).toBe(204);
    // The seed's web clients send no type property: the body's shape says it is a product event.
    expect(await send({ event: 'view', product_id: 'p-seed-shape', user_id: 'u9' }, '')).toBe(204);
    const rows = await eventually(top, (r) =>
      ['p-huge-user', 'p-seed-shape', longProduct].every((id) =>
        r.some((p) => p.product_id === id),
      ),
    );
    for (const id of [longProduct, 'p-huge-user', 'p-seed-shape'])
      expect(rows.find((p) => p.product_id === id)).toMatchObject({ views: 1, distinctUsers: 1 });
    // And the unmarked event is not also rejected as telemetry.
    const rejected = (await (await read('rejections?deviceId=shop-1')).json()) as unknown[];
    expect(rejected).toEqual([]);
  });

  it('keeps product events that can never be counted as dead letters, with the reason, for Fleet.Admin', async () => {
    const tooLong = 'p'.repeat(200);
    expect(await send({ event: 'view', product_id: tooLong })).toBe(204);
    expect(await send({ event: 'view' })).toBe(204);
    const admin = await clientToken(stack.endpoints.identity, 'Fleet.Admin');
    const list = async () =>
      (await (
        await fetch(`${stack.endpoints.apiBaseUrl}/deadletters?function=analyticsEvents`, {
          headers: { authorization: `Bearer ${admin}` },
        })
      ).json()) as { reason: string; body: string; deviceId: string; properties: object }[];
    const letters = await eventually(list, (found) => found.length >= 2);
    expect(letters.map((letter) => letter.reason).sort()).toEqual([
      'a product event needs event and product_id',
      'product_id is 200 characters; at most 128',
    ]);
    expect(letters[0]).toMatchObject({ deviceId: 'shop-1', properties: { type: 'analytics' } });
    // Fleet.Read may not read them: bodies can hold anything a client sent.
    expect((await read('deadletters')).status).toBe(403);
  });
});
