import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { AppError } from './appError';

type HttpHandler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;

/**
 * Wraps an HTTP handler so that every failure becomes `{ error: { code, message } }`: an
 * {@link AppError} with its own status, anything else a 500 that is logged with the invocation id
 * and echoes nothing internal.
 */
export function jsonHandler(handler: HttpHandler): HttpHandler {
  return async (request, context) => {
    try {
      return await handler(request, context);
    } catch (error) {
      if (error instanceof AppError) return { status: error.status, jsonBody: error.toJSON() };
      context.error(
        `unhandled error in ${context.functionName} (invocation ${context.invocationId})`,
        error,
      );
      return {
        status: 500,
        jsonBody: new AppError(
          'internal',
          `internal error; quote invocation ${context.invocationId}`,
        ).toJSON(),
      };
    }
  };
}

/** Reads a JSON body, refusing one that is too large or not JSON. */
export async function readJsonBody(request: HttpRequest, maxBytes = 16_384): Promise<unknown> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > maxBytes)
    throw new AppError('payload_too_large', `body is over ${maxBytes} bytes`);
  const text = await request.text();
  if (Buffer.byteLength(text, 'utf8') > maxBytes) {
    throw new AppError('payload_too_large', `body is over ${maxBytes} bytes`);
  }
  if (text.trim() === '') throw new AppError('invalid_json', 'body is empty; send a JSON object');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new AppError('invalid_json', 'body is not valid JSON');
  }
}

/** A whole-number query parameter within bounds, or the fallback when absent. */
export function queryInteger(
  request: HttpRequest,
  name: string,
  rule: { min: number; max: number; fallback: number },
): number {
  const raw = request.query.get(name);
  if (raw === null || raw === '') return rule.fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < rule.min || value > rule.max) {
    throw new AppError(
      'validation_failed',
      `${name} must be a whole number from ${rule.min} to ${rule.max}`,
    );
  }
  return value;
}
