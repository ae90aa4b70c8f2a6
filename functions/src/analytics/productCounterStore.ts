import type { TableEntityResult } from '@azure/data-tables';
import { doubleProperty } from '../platform/entityGroupTransaction';
import { updatePartitionOptimistically } from '../platform/optimisticPartitionUpdate';
import type { LazyTable } from '../platform/tableClientFactory';
import { listAllEntities, odataString, readEntitiesByRowKey } from '../platform/tableQueries';

/** What one product did in one minute. */
export interface ProductMinute {
  readonly minute: string;
  readonly productId: string;
  readonly events: number;
  readonly eventCounts: Readonly<Record<string, number>>;
  /** Distinct user ids seen, up to {@link maxUsersPerMinute}. */
  readonly users: readonly string[];
}

/** One event to count, with where it came from in the hub (for replay protection). */
export interface CountedEvent {
  readonly minute: string;
  readonly productId: string;
  readonly event: string;
  readonly userId?: string;
  readonly partitionId: string;
  readonly sequenceNumber: number;
}

const maxUsersPerMinute = 1000;

interface CounterEntity {
  productId: string;
  minute: string;
  events: number;
  eventCounts: string;
  users: string;
  applied: string;
}

/**
 * Per-product, per-minute counters in the `productminutes` table, one partition per minute. A
 * batch's events are coalesced into one write per product and minute; each row remembers the last
 * hub sequence number it applied per partition, so a redelivered batch counts nothing twice.
 */
export class ProductCounterStore {
  constructor(private readonly table: LazyTable) {}

  async add(events: readonly CountedEvent[]): Promise<void> {
    const byMinute = new Map<string, Map<string, CountedEvent[]>>();
    for (const event of events) {
      const products = byMinute.get(event.minute) ?? new Map<string, CountedEvent[]>();
      products.set(event.productId, [...(products.get(event.productId) ?? []), event]);
      byMinute.set(event.minute, products);
    }
    const client = await this.table.client();
    await Promise.all(
      [...byMinute].map(([minute, products]) => {
        const rowKeys = [...products.keys()].map(encodeURIComponent);
        return updatePartitionOptimistically<TableEntityResult<CounterEntity>>(client, rowKeys, {
          read: (keys) => readEntitiesByRowKey<CounterEntity>(client, minute, keys),
          update: (current, rowKey) => {
            const fresh = products.get(decodeURIComponent(rowKey)) ?? [];
            const applied: Record<string, number> = current ? JSON.parse(current.applied) : {};
            const counts: Record<string, number> = current ? JSON.parse(current.eventCounts) : {};
            const users = new Set<string>(current ? JSON.parse(current.users) : []);
            let added = 0;
            for (const event of fresh) {
              if (event.sequenceNumber <= (applied[event.partitionId] ?? -1)) continue;
              counts[event.event] = (counts[event.event] ?? 0) + 1;
              if (event.userId && users.size < maxUsersPerMinute) users.add(event.userId);
              applied[event.partitionId] = event.sequenceNumber;
              added++;
            }
            if (added === 0) return undefined;
            return {
              PartitionKey: minute,
              RowKey: rowKey,
              productId: decodeURIComponent(rowKey),
              minute,
              ...doubleProperty('events', (current?.events ?? 0) + added),
              eventCounts: JSON.stringify(counts),
              users: JSON.stringify([...users]),
              applied: JSON.stringify(applied),
            };
          },
        });
      }),
    );
  }

  /** Every product's minutes from `sinceMinute` on. */
  async since(sinceMinute: string): Promise<ProductMinute[]> {
    const client = await this.table.client();
    const rows = await listAllEntities<CounterEntity>(
      client,
      `PartitionKey ge ${odataString(sinceMinute)}`,
    );
    return rows.map((row) => ({
      minute: row.minute,
      productId: row.productId,
      events: Number(row.events),
      eventCounts: JSON.parse(row.eventCounts) as Record<string, number>,
      users: JSON.parse(row.users) as string[],
    }));
  }
}

/** `yyyyMMddHHmm` in UTC: sortable, so "the last hour" is one range filter. */
export function minuteOf(time: Date): string {
  return time.toISOString().slice(0, 16).replace(/[-T:]/g, '');
}
