import { TableClient } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningAzurite, startAzurite } from '../dev/azurite';
import { tableNames } from '../functions/src/settings/settingNames';
import { submitEntityGroup } from '../functions/src/storage/entityGroupTransaction';
import { countStorageRequests } from './storageRequests';

let azurite: RunningAzurite;
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(() => azurite.stop());

describe('counting storage requests by kind', () => {
  it('tells transactions, cold reads, calibration and rejections apart, from the requests the SDK sends', async () => {
    const counter = countStorageRequests();
    const client = (table: string) =>
      TableClient.fromConnectionString(azurite.connectionString, table, {
        allowInsecureConnection: true,
        additionalPolicies: counter.policies,
      });
    const states = client(tableNames.deviceState);
    const calibration = client(tableNames.calibration);
    const rejections = client(tableNames.rejections);
    for (const table of [states, calibration, rejections]) await table.createTable();
    expect(counter.counts).toMatchObject({ other: 3, transactions: 0 });

    await submitEntityGroup(states, [
      { kind: 'insert', entity: { PartitionKey: 'p0', RowKey: 'a', count: 1 } },
      { kind: 'insert', entity: { PartitionKey: 'p0', RowKey: 'b', count: 1 } },
    ]);
    for await (const _ of states.listEntities({
      queryOptions: { filter: "PartitionKey eq 'p0'" },
    }));
    for await (const _ of calibration.listEntities());
    await rejections.upsertEntity({ partitionKey: 'd_a', rowKey: '1' });

    expect(counter.counts).toEqual({
      transactions: 1,
      coldReads: 1,
      calibration: 1,
      rejections: 1,
      other: 3,
    });
    expect(counter.total()).toBe(7);
    counter.reset();
    expect(counter.total()).toBe(0);
  });
});
