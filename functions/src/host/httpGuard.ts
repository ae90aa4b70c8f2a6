import { HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import type { Access } from '../identity/access';
import type { Caller } from '../identity/caller';
import { type Authenticate, unauthorized } from '../identity/tokenVerifier';
import { AppError, type AppErrorCode } from './appError';
import type { HttpFunctionDefinition } from './functionDefinition';

export const defaultMaxBodyBytes = 16_384;

/** The status each error code is answered with. */
export const httpStatusByCode: Readonly<Record<AppErrorCode, number>> = {
  bad_request: 400,
  invalid_json: 400,
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  too_many_requests: 429,
  internal: 500,
  unavailable: 503,
  device_offline: 409,
  device_timeout: 504,
};

/**
 * The one wrapper both hosts put around every HTTP function: it reads the body within the
 * function's limit (counting the bytes that arrive, whatever `Content-Length` says), enforces the
 * declared access, runs the handler, and turns every failure into `{ error: { code, message } }`.
 */
export function guardHttp(
  definition: HttpFunctionDefinition,
  authenticate: Authenticate | undefined,
): (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit> {
  const maxBytes = definition.maxBodyBytes ?? defaultMaxBodyBytes;
  return async (request, context) => {
    try {
      const body = await readBodyWithin(request, maxBytes);
      const caller = await authorize(definition.access, request, authenticate);
      return await definition.handler(withBody(request, body), context, caller);
    } catch (error) {
      return errorResponse(error, context);
    }
  };
}

async function authorize(
  access: Access,
  request: HttpRequest,
  authenticate: Authenticate | undefined,
): Promise<Caller | undefined> {
  if (access.kind !== 'roles' && access.kind !== 'user' && access.kind !== 'signedIn')
    return undefined;
  if (!authenticate)
    throw new AppError(
      'unavailable',
      'sign-in is not configured for this app: set AUTH_ISSUER and AUTH_AUDIENCE (see docs/configuration.md)',
    );
  const authorization = request.headers.get('authorization');
  if (!authorization)
    throw unauthorized('send a bearer token: Authorization: Bearer <token>', false);
  const caller = await authenticate(authorization);
  if (access.kind === 'roles' && !access.anyOf.some((role) => caller.roles.has(role)))
    throw new AppError(
      'forbidden',
      `this needs the app role ${access.anyOf.join(' or ')}; the token has ${caller.roles.size ? [...caller.roles].join(', ') : 'no roles'}`,
    );
  return caller;
}

/** Reads at most `maxBytes` of the body, stopping as soon as more arrive. */
async function readBodyWithin(request: HttpRequest, maxBytes: number): Promise<Uint8Array> {
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new AppError('payload_too_large', `the body is over ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/** The same request with its body already read, so the handler can read it again. */
function withBody(request: HttpRequest, body: Uint8Array): HttpRequest {
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => {
    headers[name] = value;
  });
  return new HttpRequest({
    method: request.method,
    url: request.url,
    headers,
    params: { ...request.params },
    ...(body.byteLength > 0 ? { body: { bytes: body } } : {}),
  });
}

function errorResponse(error: unknown, context: InvocationContext): HttpResponseInit {
  if (error instanceof AppError)
    return {
      status: httpStatusByCode[error.code],
      headers: { ...error.headers },
      jsonBody: error.toJSON(),
    };
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
