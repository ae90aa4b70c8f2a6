import { minuteOf } from '../analytics/productCounterStore';
import type { LazyTable } from '../platform/tableClientFactory';
import { newestFirstKey, odataString } from '../platform/tableQueries';

/** One table's rows older than a cutoff, as a filter on its keys (so the service finds them). */
interface AgedRows {
  readonly table: LazyTable;
  readonly name: string;
  readonly olderThan: (cutoffMs: number) => string;
}

export interface RetentionRun {
  /** Rows deleted, per table. */
  readonly deleted: Readonly<Record<string, number>>;
  /** Tables that still hold old rows: the next run goes on. */
  readonly unfinished: readonly string[];
}

/**
 * Deletes rejections, product minutes, outbox rows and dead letters older than `retentionDays`,
 * at most `maxDeletesPerTable` per table and run, so a run's work is bounded however far behind
 * it is; a table left unfinished is taken up again by the next run. Every filter is on keys that
 * encode time (`yyyyMMdd`/`yyyyMMddHHmm` partitions, newest-first row keys).
 */
export function createRetention(deps: {
  readonly tables: {
    readonly rejections: LazyTable;
    readonly productMinutes: LazyTable;
    readonly smsOutbox: LazyTable;
    readonly deadLetters: LazyTable;
  };
  readonly retentionDays: number;
  readonly maxDeletesPerTable?: number;
}) {
  const { tables } = deps;
  const newestFirst = (cutoffMs: number) => odataString(newestFirstKey(cutoffMs));
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10).replaceAll('-', '');
  const aged: AgedRows[] = [
    {
      name: 'rejections (fleet)',
      table: tables.rejections,
      olderThan: (cutoff) =>
        `PartitionKey ge 'f_' and PartitionKey lt ${odataString(`f_${day(cutoff)}`)}`,
    },
    {
      name: 'rejections (devices)',
      table: tables.rejections,
      olderThan: (cutoff) =>
        `PartitionKey ge 'd_' and PartitionKey lt 'd\`' and RowKey gt ${newestFirst(cutoff)}`,
    },
    {
      name: 'productminutes',
      table: tables.productMinutes,
      olderThan: (cutoff) => `PartitionKey lt ${odataString(minuteOf(new Date(cutoff)))}`,
    },
    {
      name: 'smsoutbox',
      table: tables.smsOutbox,
      olderThan: (cutoff) => `RowKey gt ${newestFirst(cutoff)}`,
    },
    {
      name: 'deadletters',
      table: tables.deadLetters,
      olderThan: (cutoff) => `RowKey gt ${newestFirst(cutoff)}`,
    },
  ];
  const limit = deps.maxDeletesPerTable ?? 5_000;

  return {
    async run(now: Date): Promise<RetentionRun> {
      const cutoff = now.getTime() - deps.retentionDays * 86_400_000;
      const deleted: Record<string, number> = {};
      const unfinished: string[] = [];
      for (const rows of aged) {
        const client = await rows.table.client();
        let count = 0;
        const pages = client
          .listEntities({
            queryOptions: { filter: rows.olderThan(cutoff), select: ['PartitionKey', 'RowKey'] },
          })
          .byPage({ maxPageSize: 100 });
        for await (const page of pages) {
          // Deletes of one page run together; an entity already gone is not an error.
          await Promise.all(
            page.map((entity) =>
              client
                .deleteEntity(entity.partitionKey as string, entity.rowKey as string)
                .catch((error: unknown) => {
                  if ((error as { statusCode?: number }).statusCode !== 404) throw error;
                }),
            ),
          );
          count += page.length;
          if (count >= limit) {
            unfinished.push(rows.name);
            break;
          }
        }
        deleted[rows.name] = count;
      }
      return { deleted, unfinished };
    },
  };
}

export type Retention = ReturnType<typeof createRetention>;
