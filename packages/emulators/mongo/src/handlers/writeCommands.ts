import { MongoCommandError, mongoErrors } from '../protocol/mongoError';
import { cloneDocument, isDocument } from '../protocol/values';
import type { Document } from '../protocol/wireProtocol';
import { project } from '../state/aggregation';
import type { Collection } from '../state/collection';
import type { EngineState } from '../state/engineState';
import { matchesFilter } from '../state/queryFilter';
import type { CommandHandler } from './commandHandler';
import { findDocuments, updateDocuments } from './queries';

/** Inserts, updates, deletes and findAndModify, with write errors as the server reports them. */
export function writeCommands(state: EngineState): Record<string, CommandHandler> {
  return {
    insert: (command, database) => {
      const collection = state.databases.collection(database, command.insert, true) as Collection;
      const documents = Array.isArray(command.documents) ? command.documents : [];
      return writeLoop(documents, command.ordered !== false, (document) => {
        collection.insert(document as Document);
        return 1;
      });
    },
    update: (command, database) => {
      const collection = state.databases.collection(database, command.update, true) as Collection;
      const statements = Array.isArray(command.updates) ? (command.updates as Document[]) : [];
      let nModified = 0;
      const upserted: Document[] = [];
      const reply = writeLoop(statements, command.ordered !== false, (statement, index) => {
        if (statement.arrayFilters !== undefined) throw mongoErrors.notImplemented('arrayFilters');
        const result = updateDocuments(
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
      const collection = state.databases.collection(database, command.delete, false);
      const statements = Array.isArray(command.deletes) ? (command.deletes as Document[]) : [];
      return writeLoop(statements, command.ordered !== false, (statement) => {
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
      const collection = state.databases.collection(
        database,
        command.findAndModify ?? command.findandmodify,
        true,
      ) as Collection;
      const query = (command.query ?? {}) as Document;
      const [target] = findDocuments(collection, query, { sort: command.sort, limit: 1 });
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
      const result = updateDocuments(collection, filter, command.update, {
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
  };
}

/** Runs write statements, reporting failures as `writeErrors` the way the server does. */
function writeLoop<T>(
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
