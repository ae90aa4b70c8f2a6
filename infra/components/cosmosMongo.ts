import * as cosmosdb from '@pulumi/azure-native/cosmosdb';
import * as pulumi from '@pulumi/pulumi';
import { refuseArgs, repeated } from './componentArgs';

export interface CosmosMongoArgs {
  /** 3-44 lower-case letters, digits and hyphens, unique across Azure (see resourceNames). */
  readonly accountName: pulumi.Input<string>;
  readonly resourceGroupName: pulumi.Input<string>;
  readonly location: pulumi.Input<string>;
  readonly serverless: boolean;
  readonly databaseName: string;
  readonly collections: readonly string[];
  /**
   * Collections whose documents expire this many seconds after their last change. Cosmos DB for
   * MongoDB (RU) expires by a TTL index on its system field `_ts` only:
   * https://learn.microsoft.com/azure/cosmos-db/mongodb/time-to-live
   */
  readonly expireAfterSeconds?: Readonly<Record<string, number>>;
  readonly protect: boolean;
}

/**
 * Cosmos DB for MongoDB (RU): account, database and collections. The app creates its indexes at
 * start (2dsphere on `users.location`, unique `username`, and the ones its queries need): ARM's
 * MongoIndex takes only plain key names and `unique`/TTL options, so it cannot declare a 2dsphere
 * index, and `createIndexes` through the driver is a key-based metadata write. Key-based metadata
 * writes therefore stay enabled (a documented exception to CKV_AZURE_132); the key itself lives
 * only in Key Vault.
 */
export class CosmosMongo extends pulumi.ComponentResource {
  readonly account: cosmosdb.DatabaseAccount;
  /** The driver connection string, with `retryWrites=false` as Cosmos requires; a secret. */
  readonly connectionString: pulumi.Output<string>;

  constructor(name: string, args: CosmosMongoArgs, opts?: pulumi.ComponentResourceOptions) {
    super('fieldline:data:CosmosMongo', name, {}, opts);
    const expiring = Object.entries(args.expireAfterSeconds ?? {});
    refuseArgs('CosmosMongo', name, [
      ...(args.collections.length === 0 || repeated(args.collections).length > 0
        ? ['collections must be distinct and not empty']
        : []),
      ...(/^[^/\\. "$*<>:|?]{1,64}$/.test(args.databaseName)
        ? []
        : [`databaseName "${args.databaseName}" must be 1-64 characters without /\\. "$*<>:|?`]),
      ...expiring
        .filter(([collection]) => !args.collections.includes(collection))
        .map(([collection]) => `expireAfterSeconds names ${collection}, which is not a collection`),
      ...expiring
        .filter(([, seconds]) => !Number.isInteger(seconds) || seconds < 1)
        .map(
          ([collection]) => `expireAfterSeconds for ${collection} must be a whole number from 1`,
        ),
    ]);
    const child = { parent: this };
    this.account = new cosmosdb.DatabaseAccount(
      `${name}-account`,
      {
        accountName: args.accountName,
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        kind: cosmosdb.DatabaseAccountKind.MongoDB,
        databaseAccountOfferType: cosmosdb.DatabaseAccountOfferType.Standard,
        // The newest server version documented for RU accounts (5.0 and later are vCore's):
        // https://learn.microsoft.com/azure/cosmos-db/mongodb/feature-support-42 ($geoNear, 2dsphere).
        apiProperties: { serverVersion: cosmosdb.ServerVersion.ServerVersion_4_2 },
        capabilities: args.serverless ? [{ name: 'EnableServerless' }] : [],
        consistencyPolicy: { defaultConsistencyLevel: cosmosdb.DefaultConsistencyLevel.Session },
        locations: [{ locationName: args.location, failoverPriority: 0 }],
        disableKeyBasedMetadataWriteAccess: false,
        minimalTlsVersion: cosmosdb.MinimalTlsVersion.Tls12,
      },
      { ...child, protect: args.protect },
    );
    const database = new cosmosdb.MongoDBResourceMongoDBDatabase(
      `${name}-db`,
      {
        resourceGroupName: args.resourceGroupName,
        accountName: this.account.name,
        databaseName: args.databaseName,
        resource: { id: args.databaseName },
      },
      { ...child, protect: args.protect },
    );
    for (const collection of args.collections) {
      new cosmosdb.MongoDBResourceMongoDBCollection(
        `${name}-${collection}`,
        {
          resourceGroupName: args.resourceGroupName,
          accountName: this.account.name,
          databaseName: database.name,
          collectionName: collection,
          resource: {
            id: collection,
            indexes: [
              { key: { keys: ['_id'] } },
              ...(args.expireAfterSeconds?.[collection]
                ? [
                    {
                      key: { keys: ['_ts'] },
                      options: { expireAfterSeconds: args.expireAfterSeconds[collection] },
                    },
                  ]
                : []),
            ],
          },
        },
        // The app creates its own indexes (2dsphere, unique): after a `pulumi refresh` they are in
        // the state, and an `up` must not drop them to match the declaration above. (So a changed
        // TTL applies to a new collection only; change an existing one in the portal or mongosh.)
        { ...child, protect: args.protect, ignoreChanges: ['resource.indexes'] },
      );
    }
    const strings = cosmosdb.listDatabaseAccountConnectionStringsOutput(
      { accountName: this.account.name, resourceGroupName: args.resourceGroupName },
      child,
    );
    this.connectionString = pulumi.secret(
      strings.apply((s) => withRetryWritesOff(s.connectionStrings?.[0]?.connectionString ?? '')),
    );
    this.registerOutputs({
      accountName: this.account.name,
      connectionString: this.connectionString,
    });
  }
}

/** Cosmos DB for MongoDB (RU) does not support retryable writes. */
export function withRetryWritesOff(connectionString: string): string {
  if (/[?&]retrywrites=/i.test(connectionString))
    return connectionString.replace(/([?&]retrywrites=)[^&]*/i, '$1false');
  return `${connectionString}${connectionString.includes('?') ? '&' : '?'}retryWrites=false`;
}
