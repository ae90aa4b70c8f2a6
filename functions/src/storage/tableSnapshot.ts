import type { LazyTable } from './tableClientFactory';
import { listAllEntities } from './tableQueries';

export interface TableSnapshotOptions<T> {
  readonly table: LazyTable;
  /** How long one read of the table is used; 0 reads every time. */
  readonly ttlMs: number;
  /** What a read of every row becomes. */
  readonly build: (rows: readonly Record<string, unknown>[]) => T;
  readonly now?: () => number;
}

/**
 * A small table read whole and reused until it expires: a query returns up to 1,000 rows, so while
 * the snapshot is fresh a caller pays no request, and one per 1,000 rows when it is not.
 * Concurrent callers share one read; `invalidate` (after a write) starts the next one afresh, and
 * a read that started before the write is not kept.
 */
export class TableSnapshot<T> {
  private snapshot: { readonly value: T; readonly expiresAt: number } | undefined;
  private loading: Promise<T> | undefined;
  /** Bumped by every write, so a read that started before it is not kept. */
  private generation = 0;
  private readonly now: () => number;

  constructor(private readonly options: TableSnapshotOptions<T>) {
    this.now = options.now ?? Date.now;
  }

  current(): Promise<T> {
    if (this.snapshot && this.snapshot.expiresAt > this.now())
      return Promise.resolve(this.snapshot.value);
    if (!this.loading) {
      const loading = this.load().finally(() => {
        if (this.loading === loading) this.loading = undefined;
      });
      this.loading = loading;
    }
    return this.loading;
  }

  /** After this instance wrote the table: other instances see the write when theirs expires. */
  invalidate(): void {
    this.generation++;
    this.snapshot = undefined;
    this.loading = undefined;
  }

  private async load(): Promise<T> {
    const generation = this.generation;
    const startedAt = this.now();
    const client = await this.options.table.client();
    const value = this.options.build(await listAllEntities<Record<string, unknown>>(client));
    if (this.options.ttlMs > 0 && generation === this.generation)
      this.snapshot = { value, expiresAt: startedAt + this.options.ttlMs };
    return value;
  }
}
