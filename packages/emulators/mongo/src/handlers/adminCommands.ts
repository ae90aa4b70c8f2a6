import { mongoErrors } from '../protocol/mongoError';
import type { Document } from '../protocol/wireProtocol';
import { type Collection, readIndexSpec } from '../state/collection';
import type { EngineState } from '../state/engineState';
import type { CommandHandler } from './commandHandler';

/** The handshake, and collections and indexes. */
export function adminCommands(state: EngineState): Record<string, CommandHandler> {
  return {
    hello: (_command, _database, connectionId) => helloReply(connectionId),
    ismaster: (_command, _database, connectionId) => ({
      ...helloReply(connectionId),
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
    createIndexes: (command, database) => {
      const collection = state.databases.collection(
        database,
        command.createIndexes,
        true,
      ) as Collection;
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
      const collection = state.databases.collection(database, command.listIndexes, false);
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
      return state.cursors.reply(
        `${database}.$cmd.listIndexes.${String(command.listIndexes)}`,
        indexes,
        undefined,
      );
    },
    dropIndexes: (command, database) => {
      const collection = state.databases.collection(database, command.dropIndexes, false);
      if (!collection)
        throw mongoErrors.namespaceNotFound(
          `ns not found ${database}.${String(command.dropIndexes)}`,
        );
      for (const name of Array.isArray(command.index) ? command.index : [command.index])
        collection.dropIndex(String(name));
      return {};
    },
    create: (command, database) => {
      if (state.databases.collection(database, command.create, false))
        throw mongoErrors.namespaceExists(
          `Collection ${database}.${String(command.create)} already exists.`,
        );
      state.databases.collection(database, command.create, true);
      return {};
    },
    listCollections: (_command, database) => {
      const names = [...(state.databases.of(database)?.keys() ?? [])];
      return state.cursors.reply(
        `${database}.$cmd.listCollections`,
        names.map((name) => ({ name, type: 'collection', options: {}, info: { readOnly: false } })),
        undefined,
      );
    },
    drop: (command, database) => {
      if (!state.databases.of(database)?.delete(String(command.drop)))
        throw mongoErrors.namespaceNotFound('ns not found');
      return {};
    },
    dropDatabase: (_command, database) => {
      state.databases.dropDatabase(database);
      return {};
    },
  };
}

function helloReply(connectionId: number): Document {
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
