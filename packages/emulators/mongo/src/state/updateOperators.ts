import { MongoCommandError, mongoErrors } from '../protocol/mongoError';
import { isDocument, setAt, unsetAt, valueAt, valuesEqual } from '../protocol/values';
import type { Document } from '../protocol/wireProtocol';

/** Is `update` an operator update (`{$set: ...}`) rather than a replacement document? */
export function isOperatorUpdate(update: Document): boolean {
  const keys = Object.keys(update);
  return keys.length > 0 && keys.every((key) => key.startsWith('$'));
}

/**
 * Applies update operators to `document` in place. `inserting` is true for an upsert's new
 * document, the only time `$setOnInsert` applies.
 */
export function applyUpdate(document: Document, update: Document, inserting: boolean): void {
  for (const [operator, fields] of Object.entries(update)) {
    if (!isDocument(fields))
      throw mongoErrors.failedToParse(
        `Modifiers operate on fields but we found type ${typeof fields} instead for ${operator}`,
      );
    for (const [path, argument] of Object.entries(fields)) {
      if (path === '_id' || path.startsWith('_id.')) {
        if (
          operator !== '$setOnInsert' &&
          !(operator === '$set' && valuesEqual(document._id, argument))
        )
          throw new MongoCommandError(
            66,
            'ImmutableField',
            "Performing an update on the path '_id' would modify the immutable field '_id'",
          );
      }
      applyOperator(document, operator, path, argument, inserting);
    }
  }
}

function applyOperator(
  document: Document,
  operator: string,
  path: string,
  argument: unknown,
  inserting: boolean,
): void {
  switch (operator) {
    case '$set':
      setAt(document, path, argument);
      return;
    case '$setOnInsert':
      if (inserting) setAt(document, path, argument);
      return;
    case '$unset':
      unsetAt(document, path);
      return;
    case '$inc': {
      const current = valueAt(document, path);
      if (typeof argument !== 'number')
        throw mongoErrors.typeMismatch(
          `Cannot increment with non-numeric argument: {${path}: ${String(argument)}}`,
        );
      if (current !== undefined && typeof current !== 'number')
        throw new MongoCommandError(
          14,
          'TypeMismatch',
          `Cannot apply $inc to a value of non-numeric type. {_id: ${String(document._id)}} has the field '${path}' of non-numeric type`,
        );
      setAt(document, path, (current ?? 0) + argument);
      return;
    }
    case '$push':
    case '$addToSet': {
      const current = arrayAt(document, path, operator);
      const each = isDocument(argument) && '$each' in argument;
      const items = each ? (argument.$each as unknown[]) : [argument];
      if (!Array.isArray(items))
        throw mongoErrors.badValue(`The argument to $each in ${operator} must be an array`);
      if (each)
        for (const key of Object.keys(argument as Document))
          if (!['$each', '$slice'].includes(key))
            throw mongoErrors.unknownOperator(`${key} in ${operator}`);
      for (const item of items) {
        if (operator === '$addToSet' && current.some((existing) => valuesEqual(existing, item)))
          continue;
        current.push(item);
      }
      const slice = each ? (argument as Document).$slice : undefined;
      if (typeof slice === 'number') {
        const kept = slice < 0 ? current.slice(slice) : current.slice(0, slice);
        current.splice(0, current.length, ...kept);
      }
      setAt(document, path, current);
      return;
    }
    case '$pull': {
      const current = valueAt(document, path);
      if (current === undefined) return;
      if (!Array.isArray(current))
        throw new MongoCommandError(2, 'BadValue', `Cannot apply $pull to a non-array value`);
      setAt(
        document,
        path,
        current.filter((item) => !valuesEqual(item, argument)),
      );
      return;
    }
    default:
      throw mongoErrors.unknownOperator(operator);
  }
}

function arrayAt(document: Document, path: string, operator: string): unknown[] {
  const current = valueAt(document, path);
  if (current === undefined || current === null) return [];
  if (!Array.isArray(current))
    throw new MongoCommandError(
      2,
      'BadValue',
      `The field '${path}' must be an array but is of type ${typeof current} in document {_id: ${String(document._id)}} (${operator})`,
    );
  return [...current];
}
