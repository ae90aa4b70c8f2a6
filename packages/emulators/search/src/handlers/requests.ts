import type http from 'node:http';
import { readBody, sendJson } from '@fieldline/emulator-kit';
import { SearchRequestError } from '../state/searchIndex';

/** An error in the service's shape: `{ error: { code, message } }`. */
export function fail(response: http.ServerResponse, status: number, code: string, message: string) {
  sendJson(response, status, { error: { code, message } });
}

/** The request's JSON object body (16 MB at most, as the service allows). */
export async function body(request: http.IncomingMessage): Promise<Record<string, unknown>> {
  const text = (await readBody(request, 16 * 1024 * 1024)).toString('utf8');
  try {
    const parsed = JSON.parse(text === '' ? '{}' : text) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error();
    return parsed as Record<string, unknown>;
  } catch {
    throw new SearchRequestError('the body must be a JSON object', 400, 'InvalidRequestBody');
  }
}

/** A comma-separated parameter (`select`, `searchFields`, `highlight`) as a list. */
export function list(value: unknown, name: string): string[] | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string')
    throw new SearchRequestError(`${name} must be a comma-separated string`);
  return value
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

/** A whole-number parameter within its bounds. */
export function integer(value: unknown, name: string, fallback: number, max: number): number {
  if (value === undefined || value === null) return fallback;
  if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > max)
    throw new SearchRequestError(`${name} must be a whole number from 0 to ${max}`);
  return value as number;
}
