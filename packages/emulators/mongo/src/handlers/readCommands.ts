import { BSON } from 'mongodb';
import { mongoErrors } from '../protocol/mongoError';
import { isDocument } from '../protocol/values';
import type { Document } from '../protocol/wireProtocol';
import { runPipeline } from '../state/aggregation';
import type { EngineState } from '../state/engineState';
import type { CommandHandler } from './commandHandler';
import { findDocuments } from './queries';

const maxGetMoreBatch = 1000;

/** Queries and the cursors they leave open. */
export function readCommands(state: EngineState): Record<string, CommandHandler> {
  return {
    getMore: (command) => {
      const id = Number(command.getMore);
      const cursor = state.cursors.map.get(id);
      if (!cursor) throw mongoErrors.cursorNotFound(id);
      const size =
        typeof command.batchSize === 'number' && command.batchSize > 0
          ? command.batchSize
          : maxGetMoreBatch;
      const nextBatch = cursor.remaining.splice(0, size);
      const exhausted = cursor.remaining.length === 0;
      if (exhausted) state.cursors.map.delete(id);
      return {
        cursor: { nextBatch, id: BSON.Long.fromNumber(exhausted ? 0 : id), ns: cursor.namespace },
      };
    },
    killCursors: (command) => {
      const ids = (Array.isArray(command.cursors) ? command.cursors : []).map(Number);
      const killed = ids.filter((id) => state.cursors.map.delete(id));
      return {
        cursorsKilled: killed.map((id) => BSON.Long.fromNumber(id)),
        cursorsNotFound: ids
          .filter((id) => !killed.includes(id))
          .map((id) => BSON.Long.fromNumber(id)),
        cursorsAlive: [],
        cursorsUnknown: [],
      };
    },
    find: (command, database) => {
      const collection = state.databases.collection(database, command.find, false);
      const found = findDocuments(collection, (command.filter ?? {}) as Document, command);
      return state.cursors.reply(
        `${database}.${String(command.find)}`,
        found,
        command.batchSize,
        command.singleBatch === true || Number(command.limit) < 0,
      );
    },
    count: (command, database) => {
      const collection = state.databases.collection(database, command.count, false);
      return {
        n: findDocuments(collection, (command.query ?? {}) as Document, {
          skip: command.skip,
          limit: command.limit,
        }).length,
      };
    },
    aggregate: (command, database) => {
      if (!Array.isArray(command.pipeline))
        throw mongoErrors.failedToParse("'pipeline' option must be specified as an array");
      const collection = state.databases.collection(database, command.aggregate, false);
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
      return state.cursors.reply(
        `${database}.${String(command.aggregate)}`,
        documents,
        cursor.batchSize,
      );
    },
  };
}
