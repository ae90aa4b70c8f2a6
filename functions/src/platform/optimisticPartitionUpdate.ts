import type { TableClient } from '@azure/data-tables';
import { type BackoffOptions, backoffDelay, sleep as defaultSleep } from './backoff';
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
  /** The new row for one row key, or undefined to leave it as it is. */
  readonly update: (current: Current | undefined, rowKey: string) => WireEntity | undefined;
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
    const operations: EntityOperation[] = [];
    for (const rowKey of rowKeys) {
      const existing = current.get(rowKey);
      const entity = options.update(existing, rowKey);
      if (!entity) continue;
      operations.push(
        existing ? { kind: 'replace', entity, etag: existing.etag } : { kind: 'insert', entity },
      );
    }
    try {
      for (let i = 0; i < operations.length; i += maxOperationsPerTransaction) {
        const chunk = operations.slice(i, i + maxOperationsPerTransaction);
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
