/** Something that keeps rows by time and can delete the old ones, at most `limit` per call. */
export interface Expiring {
  deleteOlderThan(cutoffMs: number, limit: number): Promise<{ deleted: number; more: boolean }>;
}

export interface RetentionRun {
  /** Rows deleted, per store. */
  readonly deleted: Readonly<Record<string, number>>;
  /** Stores that still hold old rows: the next run goes on. */
  readonly unfinished: readonly string[];
}

/**
 * Deletes what the stores hold longer than `retentionDays`, at most `maxDeletesPerStore` each per
 * run, so a run's work is bounded however far behind it is. Each store knows its own layout: its
 * keys encode time, so the service finds the old rows without reading the rest.
 */
export function createRetention(deps: {
  /** A store, or a store with its own retention (history keeps longer than rejections). */
  readonly stores: Readonly<Record<string, Expiring | { store: Expiring; retentionDays: number }>>;
  readonly retentionDays: number;
  readonly maxDeletesPerStore?: number;
}) {
  const limit = deps.maxDeletesPerStore ?? 5_000;
  return {
    async run(now: Date): Promise<RetentionRun> {
      const deleted: Record<string, number> = {};
      const unfinished: string[] = [];
      for (const [name, entry] of Object.entries(deps.stores)) {
        const { store, retentionDays } =
          'store' in entry ? entry : { store: entry, retentionDays: deps.retentionDays };
        const cutoff = now.getTime() - retentionDays * 86_400_000;
        const result = await store.deleteOlderThan(cutoff, limit);
        deleted[name] = result.deleted;
        if (result.more) unfinished.push(name);
      }
      return { deleted, unfinished };
    },
  };
}

export type Retention = ReturnType<typeof createRetention>;
