import { BSON } from 'mongodb';
import { mongoErrors } from '../protocol/mongoError';
import { cloneDocument, isDocument, setAt } from '../protocol/values';
import type { Document } from '../protocol/wireProtocol';
import { project, sortDocuments } from '../state/aggregation';
import type { Collection } from '../state/collection';
import { equalityFields, matchesFilter } from '../state/queryFilter';
import { applyUpdate, isOperatorUpdate } from '../state/updateOperators';

/** The documents a find selects, sorted, skipped, limited and projected as asked. */
export function findDocuments(
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
export function updateDocuments(
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
