import { BSON } from 'mongodb';
import { MongoCommandError } from './mongoError';
import type { Document } from './wireProtocol';

/** Plain objects (documents), as opposed to arrays, dates and BSON value classes. */
export function isDocument(value: unknown): value is Document {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * The values a dotted path reaches, MongoDB-style: an array on the way fans out over its
 * elements, and an array at the end counts both as itself and as each of its elements.
 */
export function valuesAt(document: unknown, path: string): { found: boolean; values: unknown[] } {
  const values: unknown[] = [];
  let found = false;
  const walk = (value: unknown, parts: readonly string[]) => {
    if (parts.length === 0) {
      found = true;
      values.push(value);
      if (Array.isArray(value)) values.push(...value);
      return;
    }
    const [head, ...tail] = parts as [string, ...string[]];
    if (Array.isArray(value)) {
      const index = /^\d+$/.test(head) ? Number(head) : undefined;
      if (index !== undefined) {
        if (index < value.length) walk(value[index], tail);
        return;
      }
      for (const element of value) if (isDocument(element)) walk(element, parts);
      return;
    }
    if (isDocument(value) && Object.hasOwn(value, head)) walk(value[head], tail);
  };
  walk(document, path.split('.'));
  return { found, values };
}

/** The single value at a path without array fan-out (what `$field` means in an expression). */
export function valueAt(document: unknown, path: string): unknown {
  let value: unknown = document;
  for (const part of path.split('.')) {
    if (Array.isArray(value))
      value = value
        .map((element) => (isDocument(element) ? element[part] : undefined))
        .filter((v) => v !== undefined);
    else if (isDocument(value)) value = value[part];
    else return undefined;
  }
  return value;
}

export function setAt(document: Document, path: string, value: unknown): void {
  const parts = path.split('.');
  // A numeric part indexes into an array (`items.3`), as in MongoDB; arrays are padded with null.
  let target: Document | unknown[] = document;
  for (const [at, part] of parts.slice(0, -1).entries()) {
    const next: unknown = Array.isArray(target) ? target[arrayIndex(part, parts)] : target[part];
    if (next === undefined || next === null) {
      const created = {};
      if (Array.isArray(target)) target[arrayIndex(part, parts)] = created;
      else target[part] = created;
      target = created;
    } else if (isDocument(next) || Array.isArray(next)) target = next as Document | unknown[];
    else
      throw new MongoCommandError(
        28,
        'PathNotViable',
        `Cannot create field '${parts[at + 1]}' in element {${part}: ${String(next)}}`,
      );
  }
  const last = parts.at(-1) as string;
  if (Array.isArray(target)) {
    const index = arrayIndex(last, parts);
    while (target.length < index) target.push(null);
    target[index] = value;
  } else target[last] = value;
}

function arrayIndex(part: string, parts: readonly string[]): number {
  if (!/^\d+$/.test(part))
    throw new MongoCommandError(
      28,
      'PathNotViable',
      `Cannot create field '${part}' in an array (path ${parts.join('.')}); use a numeric index`,
    );
  return Number(part);
}

export function unsetAt(document: Document, path: string): void {
  const parts = path.split('.');
  let target: unknown = document;
  for (const part of parts.slice(0, -1)) {
    if (!isDocument(target)) return;
    target = target[part];
  }
  if (isDocument(target)) delete target[parts.at(-1) as string];
}

// BSON comparison order (mongodb.com/docs/manual/reference/bson-type-comparison-order/).
function typeRank(value: unknown): number {
  if (value === undefined || value === null) return 1;
  if (typeof value === 'number' || typeof value === 'bigint') return 2;
  if (
    value instanceof BSON.Long ||
    value instanceof BSON.Double ||
    value instanceof BSON.Int32 ||
    value instanceof BSON.Decimal128
  )
    return 2;
  if (typeof value === 'string') return 3;
  if (isDocument(value)) return 4;
  if (Array.isArray(value)) return 5;
  if (value instanceof BSON.Binary || Buffer.isBuffer(value)) return 6;
  if (value instanceof BSON.ObjectId) return 7;
  if (typeof value === 'boolean') return 8;
  if (value instanceof Date) return 9;
  if (value instanceof BSON.Timestamp) return 10;
  return 11;
}

function asNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof BSON.Decimal128) return Number(value.toString());
  return Number((value as { valueOf(): unknown }).valueOf());
}

/** Orders two BSON values as the server does: by type first, then by value. */
export function compareValues(a: unknown, b: unknown): number {
  const rankA = typeRank(a);
  const rankB = typeRank(b);
  if (rankA !== rankB) return rankA - rankB;
  switch (rankA) {
    case 1:
      return 0;
    case 2:
      return asNumber(a) - asNumber(b);
    case 3:
      return a === b ? 0 : (a as string) < (b as string) ? -1 : 1;
    case 4: {
      const entriesA = Object.entries(a as Document);
      const entriesB = Object.entries(b as Document);
      for (let i = 0; i < Math.min(entriesA.length, entriesB.length); i++) {
        const [keyA, valueA] = entriesA[i] as [string, unknown];
        const [keyB, valueB] = entriesB[i] as [string, unknown];
        if (keyA !== keyB) return keyA < keyB ? -1 : 1;
        const order = compareValues(valueA, valueB);
        if (order !== 0) return order;
      }
      return entriesA.length - entriesB.length;
    }
    case 5: {
      const arrayA = a as unknown[];
      const arrayB = b as unknown[];
      for (let i = 0; i < Math.min(arrayA.length, arrayB.length); i++) {
        const order = compareValues(arrayA[i], arrayB[i]);
        if (order !== 0) return order;
      }
      return arrayA.length - arrayB.length;
    }
    case 7:
      return (a as BSON.ObjectId).toHexString().localeCompare((b as BSON.ObjectId).toHexString());
    case 8:
      return Number(a) - Number(b);
    case 9:
      return (a as Date).getTime() - (b as Date).getTime();
    default:
      return Buffer.compare(BSON.serialize({ v: a }), BSON.serialize({ v: b }));
  }
}

export function valuesEqual(a: unknown, b: unknown): boolean {
  return compareValues(a, b) === 0;
}

/** A deep copy that keeps BSON types (dates, ObjectIds, Longs) intact. */
export function cloneDocument<T extends Document>(document: T): T {
  return BSON.deserialize(BSON.serialize(document)) as T;
}

/** A stable string for a value, for hashing into unique-index maps. */
export function keyString(values: readonly unknown[]): string {
  return BSON.EJSON.stringify(
    values.map((v) => (v === undefined ? null : v)),
    { relaxed: false },
  );
}
