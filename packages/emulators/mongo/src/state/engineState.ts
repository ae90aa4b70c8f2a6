import { BSON } from 'mongodb';
import { mongoErrors } from '../protocol/mongoError';
import type { Document } from '../protocol/wireProtocol';
import { Collection } from './collection';

const defaultFirstBatch = 101;

/** The databases and their collections, made on first write as the server makes them. */
export class Databases {
  private readonly databases = new Map<string, Map<string, Collection>>();

  collection(database: string, name: unknown, create: boolean): Collection | undefined {
    if (typeof name !== 'string' || name === '')
      throw mongoErrors.badValue('collection name must be a non-empty string');
    let collections = this.databases.get(database);
    if (!collections) {
      if (!create) return undefined;
      collections = new Map();
      this.databases.set(database, collections);
    }
    let collection = collections.get(name);
    if (!collection && create) {
      collection = new Collection(`${database}.${name}`);
      collections.set(name, collection);
    }
    return collection;
  }

  of(database: string): Map<string, Collection> | undefined {
    return this.databases.get(database);
  }

  dropDatabase(database: string): void {
    this.databases.delete(database);
  }
}

interface Cursor {
  readonly namespace: string;
  readonly remaining: Document[];
}

/** Open cursors: what a first batch leaves for `getMore`. */
export class Cursors {
  readonly map = new Map<number, Cursor>();
  private nextCursorId = 1;

  /** A cursor reply with the first batch; the rest stays open under a new id unless `singleBatch`. */
  reply(
    namespace: string,
    documents: Document[],
    batchSize: unknown,
    singleBatch = false,
  ): Document {
    const size = typeof batchSize === 'number' && batchSize > 0 ? batchSize : defaultFirstBatch;
    const firstBatch = documents.slice(0, size);
    let id = 0;
    if (!singleBatch && documents.length > size) {
      id = this.nextCursorId++;
      this.map.set(id, { namespace, remaining: documents.slice(size) });
    }
    return { cursor: { firstBatch, id: BSON.Long.fromNumber(id), ns: namespace } };
  }
}

export interface EngineState {
  readonly databases: Databases;
  readonly cursors: Cursors;
}
