import type { Db, MongoClientOptions } from 'mongodb';
import { commonJsExports } from '../platform/commonJsModule';
import { lazy } from '../platform/lazy';
import { collectionNames } from '../platform/settingNames';

/**
 * Index definitions the app ensures at start; `createIndexes` with the same spec is a no-op. Names
 * are left to the server's default (`field_1`), so an index someone made by hand with the same key
 * is recognised rather than conflicting.
 */
export const encounterIndexes = {
  [collectionNames.users]: [
    { key: { username: 1 }, unique: true },
    // $geoNear needs exactly one 2dsphere index; ARM cannot declare one on Cosmos, so the app does.
    { key: { location: '2dsphere' } },
    // The scheduler's claim: opted-in users with a fresh location, not yet queued this window.
    { key: { 'encounter.enabled': 1, 'encounter.locationUpdatedAt': 1 } },
    { key: { 'encounter.queuedBy': 1 } },
    // The Twilio webhook finds users by phone.
    { key: { phone: 1 } },
  ],
  // Notification keys are the documents' _id, unique by definition; recent ones are listed by time.
  [collectionNames.notifications]: [{ key: { createdAt: 1 } }],
} as const;

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
      for (const [collection, indexes] of Object.entries(encounterIndexes))
        await db.collection(collection).createIndexes(indexes.map((index) => ({ ...index })));
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
