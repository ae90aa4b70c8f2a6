import type { Db, MongoClientOptions } from 'mongodb';
import { commonJsExports } from '../host/commonJsModule';
import { lazy } from '../host/lazy';

/**
 * An index the app ensures at start; `createIndexes` with the same spec is a no-op. Names are left
 * to the server's default (`field_1`), so an index someone made by hand with the same key is
 * recognised rather than conflicting.
 */
export interface MongoIndex {
  readonly key: Readonly<Record<string, 1 | -1 | '2dsphere'>>;
  readonly unique?: boolean;
}

/** The database, connected on first use. Stores call it; hosts that stop call `close`. */
export type Database = () => Promise<Db>;
export type ClosableDatabase = Database & { close(): Promise<void> };

/**
 * One MongoClient per worker, connected on first use and reused by every invocation (the seed
 * connected per run and closed the connection before its writes finished). Indexes are ensured once
 * per connection. A failed connect is closed and forgotten, so the next invocation tries again.
 */
export function createMongoDatabase(
  uri: string,
  /** By collection: what the app's queries need, ensured once per connection. */
  indexes: Readonly<Record<string, readonly MongoIndex[]>>,
  log: (line: string) => void = () => undefined,
): ClosableDatabase {
  const connect = async () => {
    // The driver is loaded lazily: only the encounter functions pay for it.
    const { MongoClient } = commonJsExports(await import('mongodb'));
    const options: MongoClientOptions = {
      // Cosmos DB for MongoDB (RU) does not support retryable writes.
      retryWrites: false,
      // Cosmos closes idle connections after 4 minutes; the driver should drop them first.
      maxIdleTimeMS: 120_000,
      serverSelectionTimeoutMS: 10_000,
      appName: 'fieldline',
    };
    const client = new MongoClient(uri, options);
    try {
      await client.connect();
      const db = client.db();
      for (const [collection, specs] of Object.entries(indexes))
        await db.collection(collection).createIndexes(specs.map((index) => ({ ...index })));
      log(`connected to MongoDB database ${db.databaseName}; indexes ensured`);
      return { client, db };
    } catch (error) {
      await client.close().catch(() => undefined);
      throw error;
    }
  };
  const connection = lazy(connect);
  return Object.assign(() => connection().then(({ db }) => db), {
    async close() {
      const opened = await connection.peek()?.catch(() => undefined);
      connection.reset();
      await opened?.client.close();
    },
  });
}
