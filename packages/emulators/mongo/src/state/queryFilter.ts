import { BSON } from 'mongodb';
import { mongoErrors } from '../protocol/mongoError';
import { compareValues, isDocument, valuesAt, valuesEqual } from '../protocol/values';
import type { Document } from '../protocol/wireProtocol';

/** Does the document match a query filter? Supports the query operators fieldline uses. */
export function matchesFilter(document: Document, filter: Document): boolean {
  for (const [key, condition] of Object.entries(filter)) {
    if (key === '$and') {
      if (!asFilters(key, condition).every((f) => matchesFilter(document, f))) return false;
    } else if (key === '$or') {
      if (!asFilters(key, condition).some((f) => matchesFilter(document, f))) return false;
    } else if (key === '$nor') {
      if (asFilters(key, condition).some((f) => matchesFilter(document, f))) return false;
    } else if (key.startsWith('$')) {
      throw mongoErrors.unknownOperator(key);
    } else if (!fieldMatches(document, key, condition)) return false;
  }
  return true;
}

function asFilters(operator: string, value: unknown): Document[] {
  if (!Array.isArray(value) || value.length === 0 || !value.every(isDocument))
    throw mongoErrors.badValue(`${operator} argument must be a non-empty array of objects`);
  return value;
}

export function isOperatorObject(value: unknown): value is Document {
  if (!isDocument(value)) return false;
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((key) => key.startsWith('$'));
}

function fieldMatches(document: Document, path: string, condition: unknown): boolean {
  const { found, values } = valuesAt(document, path);
  if (!isOperatorObject(condition)) return equalsAny(values, found, condition);
  return Object.entries(condition).every(([operator, operand]) =>
    operatorMatches(operator, operand, values, found, document, path),
  );
}

function equalsAny(values: readonly unknown[], found: boolean, expected: unknown): boolean {
  // {field: null} matches a missing field too.
  if (expected === null && !found) return true;
  return values.some((value) => valuesEqual(value, expected));
}

function comparable(value: unknown, operand: unknown): boolean {
  // Comparisons only hold between values of the same BSON type bracket.
  const bracket = (v: unknown) =>
    typeof v === 'number' ||
    v instanceof BSON.Long ||
    v instanceof BSON.Double ||
    v instanceof BSON.Int32
      ? 'number'
      : v instanceof Date
        ? 'date'
        : typeof v;
  return bracket(value) === bracket(operand);
}

function operatorMatches(
  operator: string,
  operand: unknown,
  values: readonly unknown[],
  found: boolean,
  document: Document,
  path: string,
): boolean {
  switch (operator) {
    case '$eq':
      return equalsAny(values, found, operand);
    case '$ne':
      return !equalsAny(values, found, operand);
    case '$gt':
      return values.some((v) => comparable(v, operand) && compareValues(v, operand) > 0);
    case '$gte':
      return values.some((v) => comparable(v, operand) && compareValues(v, operand) >= 0);
    case '$lt':
      return values.some((v) => comparable(v, operand) && compareValues(v, operand) < 0);
    case '$lte':
      return values.some((v) => comparable(v, operand) && compareValues(v, operand) <= 0);
    case '$in':
      return inList(operator, operand).some((expected) => equalsAny(values, found, expected));
    case '$nin':
      return !inList(operator, operand).some((expected) => equalsAny(values, found, expected));
    case '$exists':
      return found === Boolean(operand);
    case '$size':
      return values.some((v) => Array.isArray(v) && v.length === operand);
    case '$all':
      return inList(operator, operand).every((expected) => equalsAny(values, found, expected));
    case '$not':
      if (!isOperatorObject(operand)) throw mongoErrors.badValue('$not needs an operator object');
      return !fieldMatches(document, path, operand);
    case '$elemMatch':
      if (!isDocument(operand)) throw mongoErrors.badValue('$elemMatch needs an object');
      return values.some(
        (v) =>
          Array.isArray(v) &&
          v.some((element) =>
            isOperatorObject(operand)
              ? Object.entries(operand).every(([op, arg]) =>
                  operatorMatches(op, arg, [element], true, document, path),
                )
              : isDocument(element) && matchesFilter(element, operand),
          ),
      );
    default:
      throw mongoErrors.unknownOperator(operator);
  }
}

function inList(operator: string, operand: unknown): unknown[] {
  if (!Array.isArray(operand)) throw mongoErrors.badValue(`${operator} needs an array`);
  return operand;
}

/** Field values a filter pins by equality, which an upsert copies into the new document. */
export function equalityFields(filter: Document): [string, unknown][] {
  const fields: [string, unknown][] = [];
  for (const [key, condition] of Object.entries(filter)) {
    if (key === '$and' && Array.isArray(condition)) {
      for (const part of condition) if (isDocument(part)) fields.push(...equalityFields(part));
    } else if (key.startsWith('$')) {
      // $or/$nor pin nothing
    } else if (!isOperatorObject(condition)) fields.push([key, condition]);
    else if ('$eq' in condition) fields.push([key, condition.$eq]);
  }
  return fields;
}
