import { mongoErrors } from '../protocol/mongoError';
import {
  cloneDocument,
  compareValues,
  isDocument,
  setAt,
  unsetAt,
  valueAt,
  valuesEqual,
} from '../protocol/values';
import type { Document } from '../protocol/wireProtocol';
import { isOperatorObject, matchesFilter } from './queryFilter';

/** The sphere radius MongoDB uses for spherical `$geoNear` distances, in metres. */
export const earthRadiusMeters = 6_378_100;

/** Great-circle distance between two [longitude, latitude] points, in metres (haversine). */
export function sphericalDistanceMeters(
  a: readonly [number, number],
  b: readonly [number, number],
): number {
  const rad = Math.PI / 180;
  const dLat = (b[1] - a[1]) * rad;
  const dLng = (b[0] - a[0]) * rad;
  const h =
    Math.sin(dLat / 2) ** 2 + Math.cos(a[1] * rad) * Math.cos(b[1] * rad) * Math.sin(dLng / 2) ** 2;
  return 2 * earthRadiusMeters * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** The coordinates of a valid GeoJSON Point, or undefined. */
export function pointCoordinates(value: unknown): [number, number] | undefined {
  if (!isDocument(value) || value.type !== 'Point' || !Array.isArray(value.coordinates))
    return undefined;
  const [lng, lat] = value.coordinates as unknown[];
  if (typeof lng !== 'number' || typeof lat !== 'number') return undefined;
  if (lng < -180 || lng > 180 || lat < -90 || lat > 90) return undefined;
  return [lng, lat];
}

/** What a pipeline may need from the collection it runs on. */
export interface PipelineSource {
  readonly documents: () => Iterable<Document>;
  /** The field of the collection's 2dsphere index, or a reason why there is none to use. */
  readonly geoField: (key: string | undefined) => string;
}

/** Runs an aggregation pipeline over a collection; the stages and expressions fieldline uses. */
export function runPipeline(source: PipelineSource, pipeline: readonly unknown[]): Document[] {
  let documents: Document[] | undefined;
  pipeline.forEach((stage, index) => {
    if (!isDocument(stage) || Object.keys(stage).length !== 1)
      throw mongoErrors.failedToParse(
        'A pipeline stage specification object must contain exactly one field.',
      );
    const [name, spec] = Object.entries(stage)[0] as [string, unknown];
    if (name === '$geoNear') {
      if (index !== 0)
        throw mongoErrors.badValue('$geoNear is only valid as the first stage in a pipeline');
      documents = geoNear(source, spec);
      return;
    }
    const input = documents ?? [...source.documents()];
    documents = runStage(name, spec, input);
  });
  return documents ?? [...source.documents()];
}

function runStage(name: string, spec: unknown, input: Document[]): Document[] {
  switch (name) {
    case '$match':
      return input.filter((document) => matchesFilter(document, spec as Document));
    case '$project':
      return input.map((document) => project(document, spec as Document));
    case '$addFields':
    case '$set':
      return input.map((document) => {
        const output = { ...document };
        for (const [path, expression] of Object.entries(spec as Document))
          setAt(output, path, evaluate(expression, document));
        return output;
      });
    case '$sort':
      return sortDocuments(input, spec as Document);
    case '$limit':
      return input.slice(0, Number(spec));
    case '$skip':
      return input.slice(Number(spec));
    case '$count':
      return input.length === 0 ? [] : [{ [String(spec)]: input.length }];
    case '$group':
      return group(input, spec as Document);
    default:
      throw mongoErrors.unknownStage(name);
  }
}

const geoNearOptions = new Set([
  'near',
  'distanceField',
  'spherical',
  'maxDistance',
  'minDistance',
  'query',
  'key',
]);

function geoNear(source: PipelineSource, spec: unknown): Document[] {
  if (!isDocument(spec)) throw mongoErrors.failedToParse('$geoNear needs an object');
  for (const option of Object.keys(spec))
    if (!geoNearOptions.has(option))
      throw mongoErrors.notImplemented(`$geoNear option '${option}'`);
  const near = pointCoordinates(spec.near);
  if (!near)
    throw mongoErrors.notImplemented(
      '$geoNear with a legacy coordinate pair (use a GeoJSON Point for near)',
    );
  if (typeof spec.distanceField !== 'string')
    throw mongoErrors.failedToParse('$geoNear requires a distanceField');
  const field = source.geoField(typeof spec.key === 'string' ? spec.key : undefined);
  const maxDistance =
    typeof spec.maxDistance === 'number' ? spec.maxDistance : Number.POSITIVE_INFINITY;
  const minDistance = typeof spec.minDistance === 'number' ? spec.minDistance : 0;
  const query = isDocument(spec.query) ? spec.query : {};
  const results: [number, Document][] = [];
  for (const document of source.documents()) {
    const point = pointCoordinates(valueAt(document, field));
    if (!point) continue;
    const distance = sphericalDistanceMeters(near, point);
    if (distance > maxDistance || distance < minDistance) continue;
    if (!matchesFilter(document, query)) continue;
    results.push([distance, document]);
  }
  results.sort((a, b) => a[0] - b[0]);
  return results.map(([distance, document]) => {
    const output = { ...document };
    setAt(output, spec.distanceField as string, distance);
    return output;
  });
}

export function sortDocuments(documents: Document[], spec: Document): Document[] {
  const keys = Object.entries(spec).map(([path, direction]) => {
    if (direction !== 1 && direction !== -1)
      throw mongoErrors.badValue(
        `$sort key ordering must be 1 (for ascending) or -1 (for descending)`,
      );
    return [path, direction] as const;
  });
  return [...documents].sort((a, b) => {
    for (const [path, direction] of keys) {
      const order = compareValues(valueAt(a, path), valueAt(b, path));
      if (order !== 0) return order * direction;
    }
    return 0;
  });
}

/** `$project` and find projections: inclusion (with computed fields) or exclusion. */
export function project(document: Document, spec: Document): Document {
  const entries = Object.entries(spec);
  const off = (value: unknown) => value === 0 || value === false;
  // `_id` may be excluded in either kind; `{_id: 1}` alone is an inclusion of just `_id`.
  const others = entries.filter(([key]) => key !== '_id');
  const excluding = others.length > 0 ? others.every(([, value]) => off(value)) : off(spec._id);
  if (excluding) {
    const output = cloneDocument(document);
    for (const [path] of entries) unsetAt(output, path);
    return output;
  }
  const output: Document = {};
  if (spec._id !== 0 && spec._id !== false && document._id !== undefined) output._id = document._id;
  for (const [path, value] of entries) {
    if (path === '_id') {
      if (value !== 0 && value !== false && value !== 1 && value !== true)
        output._id = evaluate(value, document);
      continue;
    }
    if (value === 1 || value === true) {
      const current = valueAt(document, path);
      if (current !== undefined) setAt(output, path, current);
    } else if (value === 0 || value === false) {
      throw mongoErrors.badValue(`Cannot do exclusion on field ${path} in inclusion projection`);
    } else setAt(output, path, evaluate(value, document));
  }
  return output;
}

/** Aggregation expressions: field paths, literals, and the operators fieldline uses. */
export function evaluate(expression: unknown, document: Document): unknown {
  if (typeof expression === 'string' && expression.startsWith('$'))
    return valueAt(document, expression.slice(1));
  if (Array.isArray(expression)) return expression.map((item) => evaluate(item, document));
  if (!isDocument(expression)) return expression;
  if (!isOperatorObject(expression))
    return Object.fromEntries(
      Object.entries(expression).map(([key, value]) => [key, evaluate(value, document)]),
    );
  const [operator, argument] = Object.entries(expression)[0] as [string, unknown];
  const args = () =>
    (Array.isArray(argument) ? argument : [argument]).map((item) => evaluate(item, document));
  switch (operator) {
    case '$literal':
      return argument;
    case '$size': {
      const [value] = args();
      if (!Array.isArray(value))
        throw mongoErrors.badValue(
          `The argument to $size must be an array. Type of the argument was ${value === undefined ? 'missing' : typeof value}`,
        );
      return value.length;
    }
    case '$setIntersection': {
      const arrays = args();
      if (arrays.some((value) => value === null || value === undefined)) return null;
      if (!arrays.every(Array.isArray))
        throw mongoErrors.badValue('All operands of $setIntersection must be arrays.');
      const [first = [], ...rest] = arrays as unknown[][];
      const result: unknown[] = [];
      for (const item of first)
        if (
          rest.every((other) => other.some((v) => valuesEqual(v, item))) &&
          !result.some((v) => valuesEqual(v, item))
        )
          result.push(item);
      return result;
    }
    case '$ifNull': {
      const values = args();
      return values.find((value) => value !== null && value !== undefined) ?? null;
    }
    case '$concat': {
      const values = args();
      return values.some((value) => value === null || value === undefined) ? null : values.join('');
    }
    default:
      throw mongoErrors.unknownExpression(operator);
  }
}

function group(input: Document[], spec: Document): Document[] {
  const groups = new Map<string, Document>();
  for (const document of input) {
    const id = evaluate(spec._id, document) ?? null;
    const key = JSON.stringify(id);
    let output = groups.get(key);
    if (!output) {
      output = { _id: id };
      for (const field of Object.keys(spec)) if (field !== '_id') output[field] = 0;
      groups.set(key, output);
    }
    for (const [field, accumulator] of Object.entries(spec)) {
      if (field === '_id') continue;
      if (!isDocument(accumulator) || !('$sum' in accumulator))
        throw mongoErrors.notImplemented(`$group accumulator ${JSON.stringify(accumulator)}`);
      const value = evaluate(accumulator.$sum, document);
      if (typeof value === 'number') output[field] = (output[field] as number) + value;
    }
  }
  return [...groups.values()];
}
