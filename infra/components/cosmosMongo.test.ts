import { describe, expect, it } from 'vitest';
import { childrenOf, synthesizeComponent } from './componentTesting';
import { CosmosMongo, type CosmosMongoArgs } from './cosmosMongo';

const args: CosmosMongoArgs = {
  accountName: 'fl-test-db-abc123',
  resourceGroupName: 'fl-test',
  location: 'westeurope',
  serverless: true,
  databaseName: 'fieldline',
  collections: ['users', 'notifications'],
  expireAfterSeconds: { notifications: 86_400 },
  protect: false,
};

describe('CosmosMongo', () => {
  it('declares a serverless MongoDB (RU) account, its database and collections, the TTL on _ts', async () => {
    const { resources, registeredOutputs } = await synthesizeComponent(
      () => new CosmosMongo('cosmos', args),
    );
    const children = childrenOf(resources, 'cosmos');
    expect(
      children.find((r) => r.type === 'azure-native:cosmosdb:DatabaseAccount')?.inputs,
    ).toMatchObject({
      kind: 'MongoDB',
      capabilities: [{ name: 'EnableServerless' }],
      apiProperties: { serverVersion: '4.2' },
    });
    const collections = children.filter(
      (r) => r.type === 'azure-native:cosmosdb:MongoDBResourceMongoDBCollection',
    );
    expect(collections.map((c) => c.inputs.collectionName)).toEqual(['users', 'notifications']);
    expect(JSON.stringify(collections[1]?.inputs)).toContain('"expireAfterSeconds":86400');
    expect(registeredOutputs.cosmos).toEqual(['accountName', 'connectionString']);
  });

  it('refuses a TTL on a collection it does not declare, before creating anything', async () => {
    const { error, resources } = await synthesizeComponent(
      () => new CosmosMongo('cosmos', { ...args, expireAfterSeconds: { sessions: 0 } }),
    );
    expect(error?.message).toBe(
      'CosmosMongo cosmos: expireAfterSeconds names sessions, which is not a collection; expireAfterSeconds for sessions must be a whole number from 1',
    );
    expect(childrenOf(resources, 'cosmos')).toEqual([]);
  });
});
