import type http from 'node:http';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { HttpRequest, HttpResponse, type HttpResponseInit } from '@azure/functions';
import { corsHeaders, readBody, sendJson } from '@fieldline/emulator-kit';
import type { HttpFunctionDefinition } from '@fieldline/functions/hosting';
import type { RunFunction } from '../triggers/triggerListeners';
import { compileRoute, type HttpRoute } from './httpRoute';

/**
 * HTTP triggers under the route prefix: CORS (preflight and response headers), the route table
 * with `{param}` and `{param?}`, 404 and 405, and the conversion between Node's HTTP and
 * `@azure/functions`' request and response.
 */
export function createHttpRouting(options: {
  readonly definitions: readonly HttpFunctionDefinition[];
  readonly routePrefix: string;
  readonly corsOrigins: readonly string[];
  readonly maxBodyBytes: number;
  readonly run: RunFunction;
  readonly reason: string;
}) {
  const routes = options.definitions.map((definition) => ({
    definition,
    route: compileRoute(definition.route) as HttpRoute,
  }));
  const prefix = `/${options.routePrefix}/`;

  /** Answers a CORS preflight; false when the request is not one. */
  function preflight(request: http.IncomingMessage, response: http.ServerResponse): boolean {
    if (request.method !== 'OPTIONS' || !request.headers['access-control-request-method'])
      return false;
    const cors = allowedCors(request.headers.origin, options.corsOrigins);
    response.writeHead(cors ? 204 : 403, {
      ...cors,
      'access-control-allow-methods': 'GET, POST, PUT, DELETE, PATCH, OPTIONS',
      'access-control-allow-headers': String(
        request.headers['access-control-request-headers'] ?? '*',
      ),
      'access-control-max-age': '600',
    });
    response.end();
    return true;
  }

  async function route(
    request: http.IncomingMessage,
    response: http.ServerResponse,
    url: URL,
  ): Promise<void> {
    const cors = allowedCors(request.headers.origin, options.corsOrigins);
    if (!url.pathname.startsWith(prefix)) {
      return sendJson(
        response,
        404,
        { error: { code: 'not_found', message: `no route ${url.pathname}` } },
        cors,
      );
    }
    const path = url.pathname.slice(prefix.length);
    const matches = routes.flatMap(({ definition, route }) => {
      const params = route.match(path);
      return params ? [{ definition, params }] : [];
    });
    const chosen = matches.find(({ definition }) =>
      definition.methods.includes((request.method ?? 'GET') as never),
    );
    if (!chosen) {
      const status = matches.length > 0 ? 405 : 404;
      const message =
        status === 405
          ? `${request.method} is not allowed on /${options.routePrefix}/${path}`
          : `no function at /${options.routePrefix}/${path}`;
      return sendJson(
        response,
        status,
        { error: { code: status === 405 ? 'bad_request' : 'not_found', message } },
        cors,
      );
    }
    const body = await readBody(request, options.maxBodyBytes);
    const httpRequest = new HttpRequest({
      method: request.method ?? 'GET',
      url: `http://${request.headers.host ?? '127.0.0.1'}${request.url ?? '/'}`,
      headers: flattenHeaders(request.headers),
      params: chosen.params,
      ...(body.length > 0 ? { body: { bytes: body } } : {}),
    });
    let init: HttpResponseInit;
    try {
      init = ((await options.run(chosen.definition, httpRequest, { reason: options.reason })) ??
        {}) as HttpResponseInit;
    } catch {
      return sendJson(
        response,
        500,
        { error: { code: 'internal', message: 'the function failed; see the host log' } },
        cors,
      );
    }
    const answer = new HttpResponse(init);
    const headers: Record<string, string> = { ...cors };
    answer.headers.forEach((value, name) => {
      headers[name] = value;
    });
    // A streamed body (as Azure streams it with enableHttpStream) goes out as it is produced.
    if (init.body instanceof ReadableStream && answer.body) {
      response.writeHead(answer.status, headers);
      const stream = Readable.fromWeb(answer.body as WebReadableStream);
      stream.on('error', () => response.destroy());
      stream.pipe(response);
      return;
    }
    const bytes = Buffer.from(await answer.arrayBuffer());
    headers['content-length'] = String(bytes.length);
    response.writeHead(answer.status, headers);
    response.end(bytes);
  }

  return { preflight, route };
}

function allowedCors(
  origin: string | undefined,
  allowed: readonly string[],
): Record<string, string> | undefined {
  return corsHeaders(origin, {
    allows: (candidate) => allowed.includes('*') || allowed.includes(candidate),
    credentials: true,
  });
}

function flattenHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}
