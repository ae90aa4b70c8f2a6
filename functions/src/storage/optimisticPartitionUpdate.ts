import type { TableClient } from '@azure/data-tables';
import { type BackoffOptions, backoffDelay, sleep as defaultSleep } from '../host/backoff';
import {
  type EntityOperation,
  maxOperationsPerTransaction,
  submitEntityGroup,
  type WireEntity,
} from './entityGroupTransaction';
import { storageStatus } from './tableQueries';

export interface PartitionUpdate<Current extends { readonly etag: string }> {
  /**
   * The rows as they are now, by row key, with their ETags. A store may answer from a cache: a
   * stale ETag fails the write, `conflicted` is called, and the next attempt reads again.
   */
  readonly read: (rowKeys: readonly string[]) => Promise<ReadonlyMap<string, Current>>;
  /**
   * The new row for one row key, or undefined to leave it as it is; `with` are rows of the same
   * partition written in the same transaction (insert-or-merge), so they land exactly when it does.
   */
  readonly update: (
    current: Current | undefined,
    rowKey: string,
  ) => WireEntity | { readonly row: WireEntity; readonly with: readonly WireEntity[] } | undefined;
  /** Called for each row written, with its new ETag. */
  readonly written?: (rowKey: string, etag: string) => void;
  /** Called on every conflict: anything `read` remembered about these rows is stale. */
  readonly conflicted?: () => void;
  readonly backoff?: BackoffOptions;
  readonly maxAttempts?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Read-modify-write of several rows of one partition, exactly once however many writers race:
 * reads them, computes each new row, and writes them in entity-group transactions guarded by their
 * ETags. A conflict (412, 409, or 404 for a row deleted meanwhile) re-reads and recomputes after a
 * capped, jittered exponential backoff; after `maxAttempts` the last conflict is thrown.
 */
export async function updatePartitionOptimistically<Current extends { readonly etag: string }>(
  client: TableClient,
  rowKeys: readonly string[],
  options: PartitionUpdate<Current>,
): Promise<void> {
  const maxAttempts = options.maxAttempts ?? 10;
  for (let attempt = 0; ; attempt++) {
    const current = await options.read(rowKeys);
    // A row and the rows written with it stay in one transaction.
    const groups: EntityOperation[][] = [];
    for (const rowKey of rowKeys) {
      const existing = current.get(rowKey);
      const updated = options.update(existing, rowKey);
      if (!updated) continue;
      const { row: entity, with: companions } = (
        'PartitionKey' in updated ? { row: updated, with: [] } : updated
      ) as { row: WireEntity; with: readonly WireEntity[] };
      groups.push([
        existing ? { kind: 'replace', entity, etag: existing.etag } : { kind: 'insert', entity },
        ...companions.map((companion): EntityOperation => ({ kind: 'merge', entity: companion })),
      ]);
    }
    const chunks: EntityOperation[][] = [];
    for (const group of groups) {
      const last = chunks.at(-1);
      if (last && last.length + group.length <= maxOperationsPerTransaction) last.push(...group);
      else chunks.push([...group]);
    }
    try {
      for (const chunk of chunks) {
        const etags = await submitEntityGroup(client, chunk);
        chunk.forEach((operation, index) => {
          const etag = etags[index];
          if (etag) options.written?.(operation.entity.RowKey, etag);
        });
      }
      return;
    } catch (error) {
      const status = storageStatus(error);
      if (status !== 412 && status !== 409 && status !== 404) throw error;
      options.conflicted?.();
      if (attempt + 1 >= maxAttempts) throw error;
      await (options.sleep ?? defaultSleep)(
        backoffDelay(attempt, options.backoff ?? { baseMs: 20, capMs: 2_000 }),
      );
    }
  }
}
