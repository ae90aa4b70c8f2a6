import { describe, expect, it } from 'vitest';
import {
  type CountedEvent,
  ProductCounterStore,
} from '../../functions/src/analytics/productCounterStore';
import { createTableClientFactory } from '../../functions/src/platform/tableClientFactory';
import { useAzurite } from '../support/azuriteFixture';

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
});
