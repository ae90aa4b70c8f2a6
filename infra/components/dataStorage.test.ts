import { describe, expect, it } from 'vitest';
import { childrenOf, synthesizeComponent } from './componentTesting';
import { DataStorage, type DataStorageArgs } from './dataStorage';

const args: DataStorageArgs = {
  accountName: 'fltestabc123',
  resourceGroupName: 'fl-test',
  location: 'westeurope',
  tables: ['devicestate', 'rejections'],
  queues: ['encounters'],
  containers: ['deployments', 'reference'],
  protect: false,
};

describe('DataStorage', () => {
  it('declares an identity-only account with its tables, queues, private containers and website', async () => {
    const { resources, registeredOutputs } = await synthesizeComponent(
      () => new DataStorage('data', args),
    );
    const children = childrenOf(resources, 'data');
    const account = children.find((r) => r.type === 'azure-native:storage:StorageAccount');
    expect(account?.inputs).toMatchObject({
      accountName: 'fltestabc123',
      allowSharedKeyAccess: false,
      allowBlobPublicAccess: false,
      minimumTlsVersion: 'TLS1_2',
    });
    const named = (type: string, key: string) =>
      children.filter((r) => r.type === type).map((r) => r.inputs[key]);
    expect(named('azure-native:storage:Table', 'tableName')).toEqual(['devicestate', 'rejections']);
    expect(named('azure-native:storage:Queue', 'queueName')).toEqual(['encounters']);
    expect(named('azure-native:storage:BlobContainer', 'containerName')).toEqual([
      'deployments',
      'reference',
    ]);
    for (const container of children.filter((r) => r.type === 'azure-native:storage:BlobContainer'))
      expect(container.inputs.publicAccess).toBe('None');
    expect(registeredOutputs.data).toEqual([
      'accountName',
      'blobEndpoint',
      'containerIds',
      'containerNames',
      'queueIds',
      'tableIds',
      'webEndpoint',
    ]);
  });

  it('refuses names the storage services would not take, before creating anything', async () => {
    const { error, resources } = await synthesizeComponent(
      () =>
        new DataStorage('data', {
          ...args,
          tables: ['device-state'],
          queues: ['Encounters'],
          containers: ['reference', 'reference'],
        }),
    );
    expect(error?.message).toMatch(
      /^DataStorage data: tables device-state: .*; queues Encounters: .*; containers repeat: reference$/,
    );
    expect(childrenOf(resources, 'data')).toEqual([]);
  });
});
