import type { TableClient, TableEntityResult } from '@azure/data-tables';
import { doubleProperty } from '../storage/entityGroupTransaction';
import { updatePartitionOptimistically } from '../storage/optimisticPartitionUpdate';
import type { LazyTable } from '../storage/tableClientFactory';
import { keyFor } from '../storage/tableLimits';
import {
  deleteWhere,
  listAllEntities,
  odataString,
  readEntitiesByRowKey,
} from '../storage/tableQueries';
import { HyperLogLog } from './hyperLogLog';

/** What one product did in one minute. */
export interface ProductMinute {
  readonly minute: string;
  readonly productId: string;
  readonly events: number;
  readonly eventCounts: Readonly<Record<string, number>>;
  /** The distinct user ids seen, as a fixed-size sketch. */
  readonly users: HyperLogLog;
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

/** Event names counted apart per product and minute; the rest are counted as `other`. */
export const maxEventTypesPerRow = 50;

/**
 * Products counted apart per minute; the rest of that minute's products share one row, `other`
 * (key {@link otherProductsKey}). So a minute is at most 51 rows, and a window of N minutes reads
 * at most 51 N rows, whatever product ids devices send. Instances writing the same minute at
 * once may each admit a few more: the bound is 50 plus the products of the batches in flight.
 */
export const maxProductsPerMinute = 50;
/** The row of a minute's products past the first 50: `~` keeps it clear of any product's key. */
export const otherProductsKey = '~other';
export const otherProductsId = 'other';

interface CounterEntity {
  productId: string;
  minute: string;
  events: number;
  eventCounts: string;
  /** A HyperLogLog of the users (see {@link HyperLogLog.serialize}). */
  userSketch?: string;
  /** Rows written before the sketch: the ids themselves, at most 1,000. */
  users?: string;
  applied: string;
}

/**
 * Per-product, per-minute counters in the `productminutes` table, one partition per minute. A
 * batch's events are coalesced into one write per product and minute; each row remembers the last
 * hub sequence number it applied per partition, so a redelivered batch counts nothing twice.
 * Every row stays within Table storage's limits whatever arrives: a product id too long for a key
 * is hashed into one, distinct users are a fixed-size sketch, and event names are capped.
 */
export class ProductCounterStore {
  /**
   * The products this instance knows each recent minute counts apart. Admission only grows, so
   * a batch naming none but these needs no query; the rest of a minute's batches read its keys.
   */
  private readonly admittedByMinute = new Map<string, Set<string>>();

  constructor(private readonly table: LazyTable) {}

  /** The products the minute counts apart: known ones without I/O, else one query of its keys. */
  private async admittedIn(
    client: TableClient,
    minute: string,
    events: readonly CountedEvent[],
  ): Promise<Set<string>> {
    const known = this.admittedByMinute.get(minute);
    if (
      known &&
      (known.size >= maxProductsPerMinute ||
        events.every((event) => known.has(keyFor(event.productId))))
    )
      return known;
    const admitted = new Set<string>();
    const pages = client
      .listEntities({
        queryOptions: { filter: `PartitionKey eq ${odataString(minute)}`, select: ['RowKey'] },
      })
      .byPage({ maxPageSize: maxProductsPerMinute + 1 });
    for await (const page of pages) {
      for (const row of page) if (row.rowKey !== otherProductsKey) admitted.add(String(row.rowKey));
      if (admitted.size >= maxProductsPerMinute) break;
    }
    this.admittedByMinute.set(minute, admitted);
    // A few minutes are enough: events arrive in order, give or take a batch.
    for (const old of [...this.admittedByMinute.keys()].sort().slice(0, -5))
      this.admittedByMinute.delete(old);
    return admitted;
  }

  async add(events: readonly CountedEvent[]): Promise<void> {
    const client = await this.table.client();
    const minutes = new Map<string, CountedEvent[]>();
    for (const event of events)
      minutes.set(event.minute, [...(minutes.get(event.minute) ?? []), event]);
    const byMinute = new Map<string, Map<string, CountedEvent[]>>();
    for (const [minute, minuteEvents] of minutes) {
      const admitted = await this.admittedIn(client, minute, minuteEvents);
      const products = new Map<string, CountedEvent[]>();
      for (const event of minuteEvents) {
        let rowKey = keyFor(event.productId);
        if (!admitted.has(rowKey)) {
          if (admitted.size < maxProductsPerMinute) admitted.add(rowKey);
          else rowKey = otherProductsKey;
        }
        const counted =
          rowKey === otherProductsKey ? { ...event, productId: otherProductsId } : event;
        products.set(rowKey, [...(products.get(rowKey) ?? []), counted]);
      }
      byMinute.set(minute, products);
    }
    await Promise.all(
      [...byMinute].map(([minute, products]) =>
        updatePartitionOptimistically<TableEntityResult<CounterEntity>>(
          client,
          [...products.keys()],
          {
            read: (keys) => readEntitiesByRowKey<CounterEntity>(client, minute, keys),
            update: (current, rowKey) => {
              const fresh = products.get(rowKey) ?? [];
              const applied: Record<string, number> = current ? JSON.parse(current.applied) : {};
              const counts: Record<string, number> = current ? JSON.parse(current.eventCounts) : {};
              const users = current ? sketchOf(current) : HyperLogLog.empty();
              let added = 0;
              for (const event of fresh) {
                if (event.sequenceNumber <= (applied[event.partitionId] ?? -1)) continue;
                const name =
                  event.event in counts || Object.keys(counts).length < maxEventTypesPerRow
                    ? event.event
                    : 'other';
                counts[name] = (counts[name] ?? 0) + 1;
                if (event.userId) users.add(event.userId);
                applied[event.partitionId] = event.sequenceNumber;
                added++;
              }
              if (added === 0 || !fresh[0]) return undefined;
              return {
                PartitionKey: minute,
                RowKey: rowKey,
                productId: fresh[0].productId,
                minute,
                ...doubleProperty('events', (current?.events ?? 0) + added),
                eventCounts: JSON.stringify(counts),
                userSketch: users.serialize(),
                applied: JSON.stringify(applied),
              };
            },
          },
        ),
      ),
    );
  }

  /** Deletes the minutes before `cutoffMs`: whole partitions, one per minute. */
  async deleteOlderThan(cutoffMs: number, limit: number) {
    const cutoff = minuteOf(new Date(cutoffMs));
    return deleteWhere(await this.table.client(), `PartitionKey lt ${odataString(cutoff)}`, limit);
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
      users: sketchOf(row),
    }));
  }
}

function sketchOf(row: CounterEntity): HyperLogLog {
  if (row.userSketch) return HyperLogLog.parse(row.userSketch);
  const sketch = HyperLogLog.empty();
  for (const user of row.users ? (JSON.parse(row.users) as string[]) : []) sketch.add(user);
  return sketch;
}

/** `yyyyMMddHHmm` in UTC: sortable, so "the last hour" is one range filter. */
export function minuteOf(time: Date): string {
  return time.toISOString().slice(0, 16).replace(/[-T:]/g, '');
}
