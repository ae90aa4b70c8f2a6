import { BSON } from 'mongodb';
import { MongoCommandError, mongoErrors } from '../protocol/mongoError';
import { cloneDocument, isDocument, keyString, valueAt } from '../protocol/values';
import type { Document } from '../protocol/wireProtocol';
import { pointCoordinates } from './aggregation';

export interface IndexSpec {
  readonly name: string;
  readonly key: Document;
  readonly unique: boolean;
}

/**
 * One collection: documents in insertion order keyed by `_id`, its indexes, and a map per unique
 * index so that a duplicate key is found without a scan. Stored documents are never handed out;
 * callers get copies, and replies are serialised straight from them.
 */
export class Collection {
  private readonly documents = new Map<string, Document>();
  private readonly indexes = new Map<string, IndexSpec>([
    ['_id_', { name: '_id_', key: { _id: 1 }, unique: true }],
  ]);
  private readonly uniqueKeys = new Map<string, Map<string, string>>([['_id_', new Map()]]);

  constructor(readonly namespace: string) {}

  get size(): number {
    return this.documents.size;
  }

  all(): IterableIterator<Document> {
    return this.documents.values();
  }

  /**
   * The documents a filter can match: one lookup when it pins a field of a single-field unique
   * index (such as `_id` or `username`) to a plain value, otherwise every document. Callers still
   * apply the whole filter to what comes back.
   */
  candidates(filter: Document): Iterable<Document> {
    for (const [name, keys] of this.uniqueKeys) {
      const fields = Object.keys((this.indexes.get(name) as IndexSpec).key);
      if (fields.length !== 1) continue;
      const value = filter[fields[0] as string];
      if (value === undefined || value === null || isDocument(value) || Array.isArray(value))
        continue;
      const id = keys.get(keyString([value]));
      const document = id === undefined ? undefined : this.documents.get(id);
      return document ? [document] : [];
    }
    return this.documents.values();
  }

  indexList(): IndexSpec[] {
    return [...this.indexes.values()];
  }

  /** The field of the one 2dsphere index (or the one named by `key`), as $geoNear requires. */
  geoField(key: string | undefined): string {
    const fields = this.indexList().flatMap((index) =>
      Object.entries(index.key)
        .filter(([, type]) => type === '2dsphere')
        .map(([field]) => field),
    );
    if (key !== undefined) {
      if (!fields.includes(key))
        throw mongoErrors.noQueryExecutionPlans(
          `error processing query: $geoNear requires a 2dsphere index on '${key}', but none was found`,
        );
      return key;
    }
    if (fields.length === 0)
      throw mongoErrors.noQueryExecutionPlans(
        'error processing query: $geoNear requires a 2d or 2dsphere index, but none were found',
      );
    if (fields.length > 1)
      throw mongoErrors.noQueryExecutionPlans(
        'There is more than one 2dsphere index; unsure which to use for $geoNear',
      );
    return fields[0] as string;
  }

  insert(document: Document): void {
    // The server stores _id first, whatever the order the client sent.
    const stored = cloneDocument({ _id: document._id ?? new BSON.ObjectId(), ...document });
    this.checkGeo(stored);
    const id = keyString([stored._id]);
    this.checkUnique(stored, undefined);
    this.documents.set(id, stored);
    this.index(stored, id);
  }

  /** Replaces a stored document (found by `_id`) with `next`, enforcing unique indexes. */
  replace(previous: Document, next: Document): void {
    const id = keyString([previous._id]);
    const stored = cloneDocument(next);
    this.checkGeo(stored);
    this.checkUnique(stored, id);
    this.unindex(previous);
    this.documents.set(id, stored);
    this.index(stored, id);
  }

  remove(document: Document): void {
    this.unindex(document);
    this.documents.delete(keyString([document._id]));
  }

  createIndex(spec: IndexSpec): 'created' | 'exists' {
    const existing = this.indexes.get(spec.name);
    if (existing) {
      if (keyString([existing.key]) !== keyString([spec.key]))
        throw mongoErrors.indexKeySpecsConflict(
          `An existing index has the same name as the requested index but different key: ${spec.name}`,
        );
      if (existing.unique !== spec.unique)
        throw mongoErrors.indexOptionsConflict(
          `An existing index has the same name as the requested index but different options: ${spec.name}`,
        );
      return 'exists';
    }
    for (const index of this.indexes.values())
      if (keyString([index.key]) === keyString([spec.key]) && index.unique === spec.unique)
        return 'exists';
    if (Object.values(spec.key).includes('2dsphere'))
      for (const document of this.documents.values()) this.checkGeo(document, spec);
    if (spec.unique) {
      const keys = new Map<string, string>();
      for (const [id, document] of this.documents) {
        const key = this.uniqueKey(spec, document);
        if (keys.has(key)) throw this.duplicate(spec, document);
        keys.set(key, id);
      }
      this.uniqueKeys.set(spec.name, keys);
    }
    this.indexes.set(spec.name, spec);
    return 'created';
  }

  dropIndex(name: string): void {
    if (name === '_id_') throw mongoErrors.badValue('cannot drop _id index');
    if (!this.indexes.delete(name))
      throw new MongoCommandError(27, 'IndexNotFound', `index not found with name [${name}]`);
    this.uniqueKeys.delete(name);
  }

  private uniqueKey(index: IndexSpec, document: Document): string {
    return keyString(Object.keys(index.key).map((field) => valueAt(document, field) ?? null));
  }

  private checkUnique(document: Document, ownId: string | undefined): void {
    for (const [name, keys] of this.uniqueKeys) {
      const index = this.indexes.get(name) as IndexSpec;
      const holder = keys.get(this.uniqueKey(index, document));
      if (holder !== undefined && holder !== ownId) throw this.duplicate(index, document);
    }
  }

  private duplicate(index: IndexSpec, document: Document): MongoCommandError {
    const fields = Object.keys(index.key)
      .map((field) => `${field}: ${BSON.EJSON.stringify(valueAt(document, field) ?? null)}`)
      .join(', ');
    return mongoErrors.duplicateKey(
      `E11000 duplicate key error collection: ${this.namespace} index: ${index.name} dup key: { ${fields} }`,
    );
  }

  private checkGeo(document: Document, only?: IndexSpec): void {
    for (const index of only ? [only] : this.indexes.values())
      for (const [field, type] of Object.entries(index.key)) {
        if (type !== '2dsphere') continue;
        const value = valueAt(document, field);
        if (value !== undefined && value !== null && !pointCoordinates(value))
          throw mongoErrors.cannotExtractGeoKeys(
            `Can't extract geo keys: ${BSON.EJSON.stringify(value)} (the stand-in accepts GeoJSON Points with longitude -180..180 and latitude -90..90)`,
          );
      }
  }

  private index(document: Document, id: string): void {
    for (const [name, keys] of this.uniqueKeys)
      keys.set(this.uniqueKey(this.indexes.get(name) as IndexSpec, document), id);
  }

  private unindex(document: Document): void {
    const id = keyString([document._id]);
    for (const [name, keys] of this.uniqueKeys) {
      const key = this.uniqueKey(this.indexes.get(name) as IndexSpec, document);
      if (keys.get(key) === id) keys.delete(key);
    }
  }
}

/** Parses one entry of `createIndexes.indexes`. */
export function readIndexSpec(value: unknown): IndexSpec {
  if (!isDocument(value) || !isDocument(value.key) || typeof value.name !== 'string')
    throw mongoErrors.failedToParse('each index specification needs a key object and a name');
  for (const option of Object.keys(value))
    if (!['key', 'name', 'unique', 'v', 'background', '2dsphereIndexVersion'].includes(option))
      throw mongoErrors.notImplemented(`index option '${option}'`);
  for (const [field, type] of Object.entries(value.key))
    if (type !== 1 && type !== -1 && type !== '2dsphere')
      throw mongoErrors.notImplemented(`index type ${JSON.stringify(type)} on '${field}'`);
  return { name: value.name, key: value.key, unique: value.unique === true };
}
