import type { TableClient, TableEntityResult } from '@azure/data-tables';
import { type BackoffOptions, backoffDelay, sleep as defaultSleep } from './backoff';
import {
  type EntityOperation,
  maxOperationsPerTransaction,
  submitEntityGroup,
  type WireEntity,
} from './entityGroupTransaction';
import { readEntitiesByRowKey, storageStatus } from './tableQueries';

export interface OptimisticUpdateOptions {
  readonly backoff?: BackoffOptions;
  readonly maxAttempts?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Read-modify-write of several rows of one partition: reads them, lets `update` compute each new
 * row (undefined: leave it), and writes them in entity-group transactions guarded by their ETags.
 * A conflict (412/409) re-reads and recomputes after a capped, jittered backoff.
 */
export async function updatePartitionOptimistically<T extends object>(
  client: TableClient,
  partitionKey: string,
  rowKeys: readonly string[],
  update: (current: TableEntityResult<T> | undefined, rowKey: string) => WireEntity | undefined,
  options: OptimisticUpdateOptions = {},
): Promise<void> {
  const maxAttempts = options.maxAttempts ?? 10;
  for (let attempt = 0; ; attempt++) {
    const current = await readEntitiesByRowKey<T>(client, partitionKey, rowKeys);
    const operations: EntityOperation[] = [];
    for (const rowKey of rowKeys) {
      const existing = current.get(rowKey);
      const entity = update(existing, rowKey);
      if (!entity) continue;
      operations.push(
        existing ? { kind: 'replace', entity, etag: existing.etag } : { kind: 'insert', entity },
      );
    }
    try {
      for (let i = 0; i < operations.length; i += maxOperationsPerTransaction) {
        await submitEntityGroup(client, operations.slice(i, i + maxOperationsPerTransaction));
      }
      return;
    } catch (error) {
      const status = storageStatus(error);
      if ((status !== 412 && status !== 409) || attempt + 1 >= maxAttempts) throw error;
      await (options.sleep ?? defaultSleep)(
        backoffDelay(attempt, options.backoff ?? { baseMs: 20, capMs: 2_000 }),
      );
    }
  }
}
