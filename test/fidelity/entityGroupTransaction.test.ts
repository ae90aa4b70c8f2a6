import { TableClient } from '@azure/data-tables';
import { describe, expect, it } from 'vitest';
import {
  doubleProperty,
  EntityGroupTransactionError,
  submitEntityGroup,
} from '../../functions/src/storage/entityGroupTransaction';
import { useAzurite } from '../support/azuriteFixture';

const azurite = useAzurite();

async function table(name: string): Promise<TableClient> {
  const client = TableClient.fromConnectionString(azurite().connectionString, name, {
    allowInsecureConnection: true,
  });
  await client.createTable();
  return client;
}

describe('submitEntityGroup', () => {
  it('writes every entity with its typed properties and returns each new ETag in order', async () => {
    const client = await table('egtwrite');
    const etags = await submitEntityGroup(client, [
      {
        kind: 'insert',
        entity: { PartitionKey: 'p', RowKey: "a'b %c", ...doubleProperty('n', 3), s: 'x' },
      },
      { kind: 'upsert', entity: { PartitionKey: 'p', RowKey: 'b', flag: true } },
    ]);
    const first = await client.getEntity<{ n: number; s: string }>('p', "a'b %c");
    const second = await client.getEntity('p', 'b');
    expect(first).toMatchObject({ n: 3, s: 'x' });
    expect(etags).toEqual([first.etag, second.etag]);
  });

  it('applies nothing when one operation fails, and reports its status', async () => {
    const client = await table('egtatomic');
    const [etag] = await submitEntityGroup(client, [
      { kind: 'insert', entity: { PartitionKey: 'p', RowKey: 'kept', v: 1 } },
    ]);
    await client.updateEntity({ partitionKey: 'p', rowKey: 'kept', v: 2 }, 'Replace'); // someone else writes

    const stale = submitEntityGroup(client, [
      { kind: 'insert', entity: { PartitionKey: 'p', RowKey: 'new', v: 1 } },
      { kind: 'replace', entity: { PartitionKey: 'p', RowKey: 'kept', v: 3 }, etag: etag ?? '' },
    ]);
    await expect(stale).rejects.toBeInstanceOf(EntityGroupTransactionError);
    await expect(stale).rejects.toMatchObject({ statusCode: 412 });
    await expect(client.getEntity('p', 'new')).rejects.toMatchObject({ statusCode: 404 });
    expect((await client.getEntity<{ v: number }>('p', 'kept')).v).toBe(2);

    const duplicate = submitEntityGroup(client, [
      { kind: 'insert', entity: { PartitionKey: 'p', RowKey: 'kept' } },
    ]);
    await expect(duplicate).rejects.toMatchObject({ statusCode: 409, code: 'EntityAlreadyExists' });
  });
});
