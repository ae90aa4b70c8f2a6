import { BSON } from 'mongodb';
import { MongoCommandError, mongoErrors } from '../protocol/mongoError';
import { cloneDocument, isDocument, setAt } from '../protocol/values';
import type { Document } from '../protocol/wireProtocol';
import { project, runPipeline, sortDocuments } from '../state/aggregation';
import { Collection, readIndexSpec } from '../state/collection';
import { equalityFields, matchesFilter } from '../state/queryFilter';
import { applyUpdate, isOperatorUpdate } from '../state/updateOperators';

interface Cursor {
  readonly namespace: string;
  readonly remaining: Document[];
}

const defaultFirstBatch = 101;
const maxGetMoreBatch = 1000;

/** The server's state (databases and open cursors) and the commands it answers. */
export class MongoEngine {
  private readonly databases = new Map<string, Map<string, Collection>>();
  private readonly cursors = new Map<number, Cursor>();
  private nextCursorId = 1;
  private nextConnectionId = 1;

  newConnectionId(): number {
    return this.nextConnectionId++;
  }

  /** Runs one command document; failures come back as `{ok: 0, ...}` documents, never throws. */
  run(command: Document, connectionId: number): Document {
    const name = Object.keys(command)[0] ?? '';
    const database = typeof command.$db === 'string' ? command.$db : 'admin';
    try {
      const handler = this.handlers[name] ?? this.handlers[name.toLowerCase()];
      if (!handler) throw mongoErrors.commandNotFound(name);
      return { ...handler(command, database, connectionId), ok: 1 };
    } catch (error) {
      if (error instanceof MongoCommandError) return error.toDocument();
      return {
        ok: 0,
        errmsg: error instanceof Error ? error.message : String(error),
        code: 1,
        codeName: 'InternalError',
      };
    }
  }

  private collection(database: string, name: unknown, create: boolean): Collection | undefined {
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

  private cursorReply(
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
      this.cursors.set(id, { namespace, remaining: documents.slice(size) });
    }
    return { cursor: { firstBatch, id: BSON.Long.fromNumber(id), ns: namespace } };
  }

  private find(
    collection: Collection | undefined,
    filter: Document,
    options: { sort?: unknown; skip?: unknown; limit?: unknown; projection?: unknown },
  ): Document[] {
    let found = collection
      ? [...collection.candidates(filter)].filter((document) => matchesFilter(document, filter))
      : [];
    if (isDocument(options.sort) && Object.keys(options.sort).length > 0)
      found = sortDocuments(found, options.sort);
    const skip = Number(options.skip ?? 0);
    const limit = Math.abs(Number(options.limit ?? 0));
    found = found.slice(skip, limit > 0 ? skip + limit : undefined);
    if (isDocument(options.projection) && Object.keys(options.projection).length > 0) {
      const spec = options.projection;
      found = found.map((document) => project(document, spec));
    }
    return found;
  }

  /** Applies one update statement; returns counts and any upserted id. */
  private update(
    collection: Collection,
    filter: Document,
    update: Document,
    options: { multi: boolean; upsert: boolean },
  ): { n: number; nModified: number; upserted?: unknown; updated?: Document } {
    if (Array.isArray(update))
      throw mongoErrors.notImplemented('an update with an aggregation pipeline');
    const operators = isOperatorUpdate(update);
    if (!operators && options.multi)
      throw mongoErrors.failedToParse('multi update is not supported for replacement-style update');
    const targets = [...collection.candidates(filter)].filter((document) =>
      matchesFilter(document, filter),
    );
    const chosen = options.multi ? targets : targets.slice(0, 1);
    if (chosen.length === 0) {
      if (!options.upsert) return { n: 0, nModified: 0 };
      const created: Document = {};
      for (const [path, value] of equalityFields(filter)) setAt(created, path, value);
      if (operators) applyUpdate(created, update, true);
      else Object.assign(created, update, created._id === undefined ? {} : { _id: created._id });
      if (created._id === undefined) created._id = new BSON.ObjectId();
      collection.insert(created);
      return { n: 1, nModified: 0, upserted: created._id, updated: created };
    }
    let nModified = 0;
    let updated: Document | undefined;
    for (const document of chosen) {
      const next = cloneDocument(document);
      if (operators) applyUpdate(next, update, false);
      else {
        for (const key of Object.keys(next)) if (key !== '_id') delete next[key];
        Object.assign(next, update, { _id: document._id });
      }
      updated = next;
      if (Buffer.from(BSON.serialize(next)).equals(BSON.serialize(document))) continue;
      collection.replace(document, next);
      nModified++;
    }
    return { n: chosen.length, nModified, ...(updated ? { updated } : {}) };
  }

  private readonly handlers: Record<
    string,
    (command: Document, database: string, connectionId: number) => Document
  > = {
    hello: (_command, _database, connectionId) => this.helloReply(connectionId),
    ismaster: (_command, _database, connectionId) => ({
      ...this.helloReply(connectionId),
      ismaster: true,
    }),
    ping: () => ({}),
    buildinfo: () => ({
      version: '7.0.0',
      versionArray: [7, 0, 0, 0],
      gitVersion: 'fieldline-local-stand-in',
      maxBsonObjectSize: 16 * 1024 * 1024,
    }),
    endSessions: () => ({}),
    getMore: (command) => {
      const id = Number(command.getMore);
      const cursor = this.cursors.get(id);
      if (!cursor) throw mongoErrors.cursorNotFound(id);
      const size =
        typeof command.batchSize === 'number' && command.batchSize > 0
          ? command.batchSize
          : maxGetMoreBatch;
      const nextBatch = cursor.remaining.splice(0, size);
      const exhausted = cursor.remaining.length === 0;
      if (exhausted) this.cursors.delete(id);
      return {
        cursor: { nextBatch, id: BSON.Long.fromNumber(exhausted ? 0 : id), ns: cursor.namespace },
      };
    },
    killCursors: (command) => {
      const ids = (Array.isArray(command.cursors) ? command.cursors : []).map(Number);
      const killed = ids.filter((id) => this.cursors.delete(id));
      return {
        cursorsKilled: killed.map((id) => BSON.Long.fromNumber(id)),
        cursorsNotFound: ids
          .filter((id) => !killed.includes(id))
          .map((id) => BSON.Long.fromNumber(id)),
        cursorsAlive: [],
        cursorsUnknown: [],
      };
    },
    insert: (command, database) => {
      const collection = this.collection(database, command.insert, true) as Collection;
      const documents = Array.isArray(command.documents) ? command.documents : [];
      return this.writeLoop(documents, command.ordered !== false, (document) => {
        collection.insert(document as Document);
        return 1;
      });
    },
    update: (command, database) => {
      const collection = this.collection(database, command.update, true) as Collection;
      const statements = Array.isArray(command.updates) ? (command.updates as Document[]) : [];
      let nModified = 0;
      const upserted: Document[] = [];
      const reply = this.writeLoop(statements, command.ordered !== false, (statement, index) => {
        if (statement.arrayFilters !== undefined) throw mongoErrors.notImplemented('arrayFilters');
        const result = this.update(
          collection,
          (statement.q ?? {}) as Document,
          (statement.u ?? {}) as Document,
          { multi: statement.multi === true, upsert: statement.upsert === true },
        );
        nModified += result.nModified;
        if (result.upserted !== undefined) upserted.push({ index, _id: result.upserted });
        return result.n;
      });
      return { ...reply, nModified, ...(upserted.length ? { upserted } : {}) };
    },
    delete: (command, database) => {
      const collection = this.collection(database, command.delete, false);
      const statements = Array.isArray(command.deletes) ? (command.deletes as Document[]) : [];
      return this.writeLoop(statements, command.ordered !== false, (statement) => {
        if (!collection) return 0;
        const filter = (statement.q ?? {}) as Document;
        const matched = [...collection.candidates(filter)].filter((document) =>
          matchesFilter(document, filter),
        );
        const chosen = statement.limit === 1 ? matched.slice(0, 1) : matched;
        for (const document of chosen) collection.remove(document);
        return chosen.length;
      });
    },
    findAndModify: (command, database) => {
      const collection = this.collection(
        database,
        command.findAndModify ?? command.findandmodify,
        true,
      ) as Collection;
      const query = (command.query ?? {}) as Document;
      const [target] = this.find(collection, query, { sort: command.sort, limit: 1 });
      const shape = (document: Document | undefined) =>
        (document && isDocument(command.fields) && Object.keys(command.fields).length
          ? project(document, command.fields)
          : document) ?? null;
      if (command.remove === true) {
        if (target) collection.remove(target);
        return { lastErrorObject: { n: target ? 1 : 0 }, value: shape(target) };
      }
      if (!isDocument(command.update))
        throw mongoErrors.failedToParse('Either an update or remove=true must be specified');
      const before = target ? cloneDocument(target) : undefined;
      const filter = target ? { _id: target._id } : query;
      const result = this.update(collection, filter, command.update, {
        multi: false,
        upsert: command.upsert === true,
      });
      const after = result.updated;
      return {
        lastErrorObject: {
          n: result.n,
          updatedExisting: Boolean(target),
          ...(result.upserted !== undefined ? { upserted: result.upserted } : {}),
        },
        value: shape(command.new === true ? after : before),
      };
    },
    find: (command, database) => {
      const collection = this.collection(database, command.find, false);
      const found = this.find(collection, (command.filter ?? {}) as Document, command);
      return this.cursorReply(
        `${database}.${String(command.find)}`,
        found,
        command.batchSize,
        command.singleBatch === true || Number(command.limit) < 0,
      );
    },
    count: (command, database) => {
      const collection = this.collection(database, command.count, false);
      return {
        n: this.find(collection, (command.query ?? {}) as Document, {
          skip: command.skip,
          limit: command.limit,
        }).length,
      };
    },
    aggregate: (command, database) => {
      if (!Array.isArray(command.pipeline))
        throw mongoErrors.failedToParse("'pipeline' option must be specified as an array");
      const collection = this.collection(database, command.aggregate, false);
      const documents = runPipeline(
        {
          documents: () => collection?.all() ?? [],
          geoField: (key) => {
            if (!collection)
              throw mongoErrors.noQueryExecutionPlans(
                'error processing query: $geoNear requires a 2d or 2dsphere index, but none were found',
              );
            return collection.geoField(key);
          },
        },
        command.pipeline,
      );
      const cursor = isDocument(command.cursor) ? command.cursor : {};
      return this.cursorReply(
        `${database}.${String(command.aggregate)}`,
        documents,
        cursor.batchSize,
      );
    },
    createIndexes: (command, database) => {
      const collection = this.collection(database, command.createIndexes, true) as Collection;
      const before = collection.indexList().length;
      const specs = (Array.isArray(command.indexes) ? command.indexes : []).map(readIndexSpec);
      const outcomes = specs.map((spec) => collection.createIndex(spec));
      return {
        numIndexesBefore: before,
        numIndexesAfter: collection.indexList().length,
        createdCollectionAutomatically: false,
        ...(outcomes.every((outcome) => outcome === 'exists')
          ? { note: 'all indexes already exist' }
          : {}),
      };
    },
    listIndexes: (command, database) => {
      const collection = this.collection(database, command.listIndexes, false);
      if (!collection)
        throw mongoErrors.namespaceNotFound(
          `ns does not exist: ${database}.${String(command.listIndexes)}`,
        );
      const indexes = collection.indexList().map((index) => ({
        v: 2,
        key: index.key,
        name: index.name,
        ...(index.unique && index.name !== '_id_' ? { unique: true } : {}),
      }));
      return this.cursorReply(
        `${database}.$cmd.listIndexes.${String(command.listIndexes)}`,
        indexes,
        undefined,
      );
    },
    dropIndexes: (command, database) => {
      const collection = this.collection(database, command.dropIndexes, false);
      if (!collection)
        throw mongoErrors.namespaceNotFound(
          `ns not found ${database}.${String(command.dropIndexes)}`,
        );
      for (const name of Array.isArray(command.index) ? command.index : [command.index])
        collection.dropIndex(String(name));
      return {};
    },
    create: (command, database) => {
      if (this.collection(database, command.create, false))
        throw mongoErrors.namespaceExists(
          `Collection ${database}.${String(command.create)} already exists.`,
        );
      this.collection(database, command.create, true);
      return {};
    },
    listCollections: (_command, database) => {
      const names = [...(this.databases.get(database)?.keys() ?? [])];
      return this.cursorReply(
        `${database}.$cmd.listCollections`,
        names.map((name) => ({ name, type: 'collection', options: {}, info: { readOnly: false } })),
        undefined,
      );
    },
    drop: (command, database) => {
      if (!this.databases.get(database)?.delete(String(command.drop)))
        throw mongoErrors.namespaceNotFound('ns not found');
      return {};
    },
    dropDatabase: (_command, database) => {
      this.databases.delete(database);
      return {};
    },
  };

  private helloReply(connectionId: number): Document {
    return {
      helloOk: true,
      isWritablePrimary: true,
      maxBsonObjectSize: 16 * 1024 * 1024,
      maxMessageSizeBytes: 48_000_000,
      maxWriteBatchSize: 100_000,
      localTime: new Date(),
      logicalSessionTimeoutMinutes: 30,
      connectionId,
      minWireVersion: 0,
      maxWireVersion: 21,
      readOnly: false,
    };
  }

  /** Runs write statements, reporting failures as `writeErrors` the way the server does. */
  private writeLoop<T>(
    statements: readonly T[],
    ordered: boolean,
    apply: (statement: T, index: number) => number,
  ): Document {
    let n = 0;
    const writeErrors: Document[] = [];
    for (const [index, statement] of statements.entries()) {
      try {
        n += apply(statement, index);
      } catch (error) {
        if (!(error instanceof MongoCommandError)) throw error;
        writeErrors.push({ index, code: error.code, errmsg: error.message });
        if (ordered) break;
      }
    }
    return { n, ...(writeErrors.length ? { writeErrors } : {}) };
  }
}
