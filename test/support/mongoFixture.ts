import { randomBytes } from 'node:crypto';
import { type RunningMongo, startMongoServer } from '@fieldline/mongo-emulator';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll } from 'vitest';

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
  const created: string[] = [];
  afterAll(async () => {
    if (standIn) return standIn.stop();
    // A real server keeps what the tests wrote; drop each database this file made.
    const client = new MongoClient(base as string);
    try {
      for (const name of created) await client.db(name).dropDatabase();
    } finally {
      await client.close();
    }
  });
  return () => {
    if (!base) throw new Error('MongoDB is not ready yet: call inside a test or hook');
    const name = `fieldline_test_${randomBytes(4).toString('hex')}`;
    created.push(name);
    return withDatabase(base, name);
  };
}

/** The same connection string with another database name in its path. */
export function withDatabase(uri: string, database: string): string {
  const match = /^(mongodb(?:\+srv)?:\/\/[^/?]+)\/?([^?]*)(\?.*)?$/.exec(uri);
  if (!match) throw new Error(`not a MongoDB connection string: ${uri}`);
  return `${match[1]}/${database}${match[3] ?? ''}`;
}
