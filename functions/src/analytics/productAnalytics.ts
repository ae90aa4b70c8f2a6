import { HyperLogLog } from './hyperLogLog';
import type { ProductCatalog } from './productCatalog';
import {
  type CountedEvent,
  minuteOf,
  type ProductCounterStore,
  type ProductMinute,
} from './productCounterStore';
import { readProductEvent } from './productEvent';

/** A product's activity over a window, joined with its reference data. */
export interface ProductActivity {
  readonly product_id: string;
  readonly name: string | null;
  readonly views: number;
  readonly distinctUsers: number;
  readonly events: number;
  readonly eventCounts: Readonly<Record<string, number>>;
  readonly price: number | null;
  readonly sku_id: string | null;
  readonly can_purchase: boolean | null;
  /** False when the product is not in the reference data: counted all the same. */
  readonly known: boolean;
}

export interface AnalyticsMessage {
  readonly body: unknown;
  readonly partitionId: string;
  readonly sequenceNumber: number;
  readonly enqueuedTime: string;
}

/**
 * The events that count as a view: the retail seed's devices send `browse_product`, other
 * clients `view`. Every event, these included, stays counted under `eventCounts`.
 */
export const viewEvents = ['browse_product', 'view'] as const;

/** Counts a batch of product events and reports the products it touched, enriched. */
export function createProductAnalytics(deps: {
  /** What analytics needs of the counters and the catalog: in-memory fakes implement it too. */
  readonly counters: Pick<ProductCounterStore, 'add' | 'since'>;
  readonly catalog: Pick<ProductCatalog, 'lookup'>;
  readonly now?: () => number;
}) {
  const now = deps.now ?? Date.now;

  async function enrich(rows: readonly ProductMinute[]): Promise<ProductActivity[]> {
    const catalog = await deps.catalog.lookup();
    const byProduct = new Map<
      string,
      { counts: Record<string, number>; users: HyperLogLog; events: number }
    >();
    for (const row of rows) {
      const entry = byProduct.get(row.productId) ?? {
        counts: {},
        users: HyperLogLog.empty(),
        events: 0,
      };
      entry.events += row.events;
      for (const [event, count] of Object.entries(row.eventCounts))
        entry.counts[event] = (entry.counts[event] ?? 0) + count;
      entry.users.merge(row.users);
      byProduct.set(row.productId, entry);
    }
    return [...byProduct]
      .map(([productId, entry]) => {
        const product = catalog.get(productId);
        return {
          product_id: productId,
          name: product?.name ?? null,
          views: viewEvents.reduce((sum, name) => sum + (entry.counts[name] ?? 0), 0),
          // Exact for small counts, within about 2% at any volume (a HyperLogLog).
          distinctUsers: entry.users.estimate(),
          events: entry.events,
          eventCounts: entry.counts,
          price: product?.price ?? null,
          sku_id: product?.sku_id ?? null,
          can_purchase: product?.can_purchase ?? null,
          known: product !== undefined,
        };
      })
      .sort(
        (a, b) =>
          b.views - a.views || b.events - a.events || a.product_id.localeCompare(b.product_id),
      );
  }

  return {
    /** Counts the batch; returns the invalid events, with why, and the touched products. */
    async ingest<M extends AnalyticsMessage>(
      messages: readonly M[],
    ): Promise<{
      counted: number;
      invalid: { message: M; problem: string }[];
      touched: ProductActivity[];
    }> {
      const events: CountedEvent[] = [];
      const invalid: { message: M; problem: string }[] = [];
      for (const message of messages) {
        const event = readProductEvent(message.body);
        if ('problem' in event) {
          invalid.push({ message, problem: event.problem });
          continue;
        }
        events.push({
          minute: minuteOf(new Date(message.enqueuedTime)),
          productId: event.product_id,
          event: event.event,
          ...(event.user_id ? { userId: event.user_id } : {}),
          partitionId: message.partitionId,
          sequenceNumber: message.sequenceNumber,
        });
      }
      await deps.counters.add(events);
      const touched = new Set(events.map((e) => e.productId));
      const oldest = events.map((e) => e.minute).sort()[0];
      const rows = oldest
        ? (await deps.counters.since(oldest)).filter((row) => touched.has(row.productId))
        : [];
      return { counted: events.length, invalid, touched: await enrich(rows) };
    },

    /** The top products of the last `minutes`, enriched with the current reference data. */
    async top(minutes: number, limit = 20): Promise<ProductActivity[]> {
      const since = minuteOf(new Date(now() - (minutes - 1) * 60_000));
      return (await enrich(await deps.counters.since(since))).slice(0, limit);
    },
  };
}

export type ProductAnalytics = ReturnType<typeof createProductAnalytics>;
