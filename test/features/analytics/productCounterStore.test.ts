import { describe, expect, it } from 'vitest';
import {
  type CountedEvent,
  ProductCounterStore,
} from '../../../functions/src/analytics/productCounterStore';
import { createTableClientFactory } from '../../../functions/src/storage/tableClientFactory';
import { useAzurite } from '../../support/azuriteFixture';

const azurite = useAzurite();

describe('ProductCounterStore', () => {
  it('counts 5,000 distinct users of one product in one minute within 2%, in one bounded row', async () => {
    const table = createTableClientFactory({
      kind: 'connectionString',
      connectionString: azurite().connectionString,
    })(`pm${Date.now()}`);
    const store = new ProductCounterStore(table);
    const events: CountedEvent[] = Array.from({ length: 5_000 }, (_, i) => ({
      minute: '202612010500',
      productId: 'busy',
      event: i % 60 === 0 ? `rare-${i}` : 'view',
      userId: `user-${i}`,
      partitionId: '0',
      sequenceNumber: i,
    }));
    // Two batches, the second one redelivered as well: nothing counts twice.
    await store.add(events.slice(0, 2_500));
    await store.add(events.slice(2_500));
    await store.add(events.slice(2_500));
    const [row] = await store.since('202612010500');
    expect(row?.events).toBe(5_000);
    expect(Math.abs((row?.users.estimate() ?? 0) - 5_000) / 5_000).toBeLessThan(0.02);
    // At most 50 event names, the rest counted as `other`.
    expect(Object.keys(row?.eventCounts ?? {})).toHaveLength(51);
    expect(Object.values(row?.eventCounts ?? {}).reduce((a, b) => a + b, 0)).toBe(5_000);
  });

  it('counts at most 50 products a minute apart, the rest as other, so a window reads at most 51 rows a minute (regression)', async () => {
    let entitiesRead = 0;
    const table = createTableClientFactory(
      { kind: 'connectionString', connectionString: azurite().connectionString },
      {
        // A request counter: how many entities the table answers with.
        additionalPolicies: [
          {
            position: 'perCall',
            policy: {
              name: 'countEntities',
              async sendRequest(request, next) {
                const response = await next(request);
                if (request.method === 'GET' && response.bodyAsText)
                  entitiesRead +=
                    (JSON.parse(response.bodyAsText) as { value?: unknown[] }).value?.length ?? 0;
                return response;
              },
            },
          },
        ],
      },
    )(`pm${Date.now()}b`);
    const store = new ProductCounterStore(table);
    // One device sends 300 distinct product ids in one minute, in three batches.
    const events: CountedEvent[] = Array.from({ length: 300 }, (_, i) => ({
      minute: '202612010600',
      productId: `probe-${i}`,
      event: 'view',
      partitionId: '0',
      sequenceNumber: i,
    }));
    for (let i = 0; i < 300; i += 100) await store.add(events.slice(i, i + 100));
    entitiesRead = 0;
    const rows = await store.since('202612010600');
    expect(rows).toHaveLength(51);
    expect(entitiesRead).toBe(51);
    const other = rows.find((row) => row.productId === 'other');
    expect(other?.events).toBe(250);
    expect(rows.reduce((sum, row) => sum + row.events, 0)).toBe(300);
  });
});
