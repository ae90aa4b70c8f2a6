import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { type RunningMongo, startMongoServer } from '../../local/mongo/mongoServer';

/**
 * A MongoDB for this test file: the local stand-in by default, or the real server in MONGODB_URI.
 * Each call gets a database of its own, so suites never see each other's users.
 */
export function useMongo(): () => string {
  let standIn: RunningMongo | undefined;
  let base = process.env.MONGODB_URI;
  beforeAll(async () => {
    if (!base) {
      standIn = await startMongoServer(0);
      base = standIn.uri;
    }
  });
  afterAll(async () => {
    await standIn?.stop();
  });
  return () => {
    if (!base) throw new Error('MongoDB is not ready yet: call inside a test or hook');
    return withDatabase(base, `fieldline_test_${randomBytes(4).toString('hex')}`);
  };
}

/** The same connection string with another database name in its path. */
export function withDatabase(uri: string, database: string): string {
  const match = /^(mongodb(?:\+srv)?:\/\/[^/?]+)\/?([^?]*)(\?.*)?$/.exec(uri);
  if (!match) throw new Error(`not a MongoDB connection string: ${uri}`);
  return `${match[1]}/${database}${match[3] ?? ''}`;
}
