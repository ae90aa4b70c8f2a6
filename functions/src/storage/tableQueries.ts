import type { TableClient, TableEntityResult } from '@azure/data-tables';

/** Quotes a value for an OData filter, doubling single quotes as the Table service requires. */
export function odataString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

// The Table service accepts at most 15 discrete comparisons in one filter: one for the partition,
// fourteen for row keys.
const rowKeysPerQuery = 14;

/**
 * Point-reads many entities of one partition with as few requests as the service allows:
 * one query per fourteen row keys instead of one GET per entity.
 */
export async function readEntitiesByRowKey<T extends object>(
  client: TableClient,
  partitionKey: string,
  rowKeys: readonly string[],
): Promise<Map<string, TableEntityResult<T>>> {
  const found = new Map<string, TableEntityResult<T>>();
  const chunks: string[][] = [];
  for (let i = 0; i < rowKeys.length; i += rowKeysPerQuery)
    chunks.push(rowKeys.slice(i, i + rowKeysPerQuery));
  await Promise.all(
    chunks.map(async (chunk) => {
      const rows = chunk.map((rowKey) => `RowKey eq ${odataString(rowKey)}`).join(' or ');
      const filter = `PartitionKey eq ${odataString(partitionKey)} and (${rows})`;
      for await (const entity of client.listEntities<T>({ queryOptions: { filter } })) {
        found.set(entity.rowKey as string, entity);
      }
    }),
  );
  return found;
}

/** Every entity of a table (or of the filter), across partitions and continuation tokens. */
export async function listAllEntities<T extends object>(
  client: TableClient,
  filter?: string,
): Promise<TableEntityResult<T>[]> {
  const all: TableEntityResult<T>[] = [];
  const query = filter ? { queryOptions: { filter } } : {};
  for await (const entity of client.listEntities<T>(query)) all.push(entity);
  return all;
}

/** The HTTP status of a failed storage call, if it got that far. */
export function storageStatus(error: unknown): number | undefined {
  if (typeof error === 'object' && error !== null && 'statusCode' in error) {
    const status = (error as { statusCode?: unknown }).statusCode;
    return typeof status === 'number' ? status : undefined;
  }
  return undefined;
}

// The largest time a Date can hold; row keys built from it are fixed-width and never negative.
const maxTimeMs = 8_640_000_000_000_000;

/**
 * A row-key prefix that sorts newest first: the table service returns a partition in ascending
 * row-key order, so inverting the time lists the latest entities first.
 */
export function newestFirstKey(timeMs: number): string {
  return String(maxTimeMs - timeMs).padStart(16, '0');
}

/**
 * Deletes the rows `filter` finds, a page at a time, at most `limit` of them: bounded work
 * however many match. `more` says whether the limit stopped it (the next call goes on).
 */
export async function deleteWhere(
  client: TableClient,
  filter: string,
  limit: number,
): Promise<{ deleted: number; more: boolean }> {
  let deleted = 0;
  const pages = client
    .listEntities({ queryOptions: { filter, select: ['PartitionKey', 'RowKey'] } })
    .byPage({ maxPageSize: Math.min(100, limit) });
  for await (const page of pages) {
    await Promise.all(
      page.map((entity) =>
        client
          .deleteEntity(entity.partitionKey as string, entity.rowKey as string)
          // Already gone (another run, or the row expired meanwhile) is what we wanted.
          .catch((error: unknown) => {
            if (storageStatus(error) !== 404) throw error;
          }),
      ),
    );
    deleted += page.length;
    if (deleted >= limit) return { deleted, more: true };
  }
  return { deleted, more: false };
}
