import { describe, expect, it } from 'vitest';
import { HyperLogLog } from './hyperLogLog';
import { createProductAnalytics } from './productAnalytics';
import type { Product } from './productCatalog';
import type { CountedEvent, ProductMinute } from './productCounterStore';

/** The counters in memory: one row per minute and product, as the table keeps them. */
function memoryCounters() {
  const rows = new Map<string, ProductMinute & { eventCounts: Record<string, number> }>();
  return {
    async add(events: readonly CountedEvent[]) {
      for (const event of events) {
        const key = `${event.minute}/${event.productId}`;
        const row = rows.get(key) ?? {
          minute: event.minute,
          productId: event.productId,
          events: 0,
          eventCounts: {},
          users: HyperLogLog.empty(),
        };
        row.eventCounts[event.event] = (row.eventCounts[event.event] ?? 0) + 1;
        if (event.userId) row.users.add(event.userId);
        rows.set(key, { ...row, events: row.events + 1 });
      }
    },
    async since(minute: string) {
      return [...rows.values()].filter((row) => row.minute >= minute);
    },
  };
}

const catalog = new Map<string, Product>([
  [
    'p1',
    { product_id: 'p1', name: 'Kettle', price: 30, sku_id: 's1', can_purchase: true } as Product,
  ],
  [
    'p2',
    { product_id: 'p2', name: 'Teapot', price: 20, sku_id: 's2', can_purchase: false } as Product,
  ],
]);

const at = '2026-03-01T12:00:30.000Z';
let sequence = 0;
const event = (product_id: string, kind: string, user_id?: string) => ({
  body: { product_id, event: kind, ...(user_id ? { user_id } : {}) },
  partitionId: '0',
  sequenceNumber: sequence++,
  enqueuedTime: at,
});

function setup() {
  return createProductAnalytics({
    counters: memoryCounters(),
    catalog: { lookup: async () => catalog },
    now: () => Date.parse(at),
  });
}

describe('product analytics, in memory', () => {
  it('ranks products by views, then events, then id, joined with the catalog', async () => {
    const analytics = setup();
    const { counted, touched } = await analytics.ingest([
      event('p2', 'view', 'u1'),
      event('p1', 'view', 'u1'),
      event('p1', 'view', 'u2'),
      event('p1', 'add_to_cart', 'u2'),
      event('zz', 'view'),
      event('p3', 'add_to_cart'),
    ]);
    expect(counted).toBe(6);
    expect(touched.map((p) => p.product_id)).toEqual(['p1', 'p2', 'zz', 'p3']);
    expect(touched[0]).toMatchObject({
      name: 'Kettle',
      views: 2,
      events: 3,
      distinctUsers: 2,
      eventCounts: { view: 2, add_to_cart: 1 },
      known: true,
    });
    expect(touched.find((p) => p.product_id === 'zz')).toMatchObject({ name: null, known: false });
    expect((await analytics.top(5, 2)).map((p) => p.product_id)).toEqual(['p1', 'p2']);
  });

  it('sets aside events it cannot count, with why, and counts the rest', async () => {
    const analytics = setup();
    const { counted, invalid } = await analytics.ingest([
      event('p1', 'view'),
      { ...event('p1', 'view'), body: { event: 'view' } },
      { ...event('p1', 'view'), body: 'not an event' },
    ]);
    expect(counted).toBe(1);
    expect(invalid).toHaveLength(2);
    expect(invalid.every(({ problem }) => problem.length > 0)).toBe(true);
  });

  it("counts the retail seed's browse_product as a view, beside view (regression: 0 views for the seed's shape)", async () => {
    const analytics = setup();
    const { touched } = await analytics.ingest([
      event('p1', 'browse_product', 'u1'),
      event('p1', 'browse_product', 'u2'),
      event('p1', 'view', 'u3'),
      event('p1', 'add_to_cart', 'u1'),
    ]);
    expect(touched[0]).toMatchObject({
      product_id: 'p1',
      views: 3,
      events: 4,
      eventCounts: { browse_product: 2, view: 1, add_to_cart: 1 },
    });
  });
});
