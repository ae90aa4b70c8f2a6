import type http from 'node:http';
import { sendJson } from '@fieldline/emulator-kit';
import {
  checkIndexDefinition,
  type IndexDefinition,
  SearchIndex,
  SearchRequestError,
} from '../state/searchIndex';
import { body } from './requests';

/** `POST /indexes` (create) and `PUT /indexes/{name}` (create or update: fields may only be added). */
export async function putIndex(
  indexes: Map<string, SearchIndex>,
  request: http.IncomingMessage,
  response: http.ServerResponse,
  name: string | undefined,
) {
  const definition = (await body(request)) as unknown as IndexDefinition;
  if (name !== undefined && definition.name !== name)
    throw new SearchRequestError(`the index name in the body (${definition.name}) must be ${name}`);
  const problems = checkIndexDefinition(definition);
  if (problems.length > 0) throw new SearchRequestError(problems.join('; '));
  const existing = indexes.get(definition.name);
  if (existing && name === undefined)
    throw new SearchRequestError(
      `an index named '${definition.name}' already exists`,
      409,
      'ResourceNameAlreadyInUse',
    );
  if (existing) {
    // As the service: fields may be added, not changed or removed.
    for (const field of existing.definition.fields) {
      const now = definition.fields.find((f) => f.name === field.name);
      if (
        !now ||
        now.type !== field.type ||
        Boolean(now.key) !== Boolean(field.key) ||
        Boolean(now.searchable) !== Boolean(field.searchable)
      )
        throw new SearchRequestError(
          `the index '${definition.name}' cannot change or remove the existing field '${field.name}'; delete and recreate it`,
        );
    }
  }
  const stored = { ...definition, '@odata.etag': `"0x${Date.now().toString(16)}"` };
  const index = new SearchIndex(stored);
  if (existing)
    for (const key of existing.keys())
      index.apply('upload', existing.get(key) as Record<string, unknown>);
  indexes.set(definition.name, index);
  sendJson(response, existing ? 200 : 201, stored);
}
