import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { close, listen, readBody, sendJson } from './httpServer';
import { serviceRequestListener } from './serviceErrors';

class TeapotError extends Error {}

let server: http.Server | undefined;
afterEach(async () => {
  if (server) await close(server);
  server = undefined;
});

async function serve(handle: Parameters<typeof serviceRequestListener>[0]) {
  server = http.createServer(
    serviceRequestListener(handle, {
      send: (response, error) =>
        sendJson(
          response,
          error.status,
          { fault: error.code, text: error.message },
          { 'x-code': error.code },
        ),
      classify: (thrown) =>
        thrown instanceof TeapotError
          ? { status: 418, code: 'Teapot', message: thrown.message }
          : undefined,
      internal: { status: 500, code: 'Internal', message: 'the emulator failed' },
    }),
  );
  return `http://127.0.0.1:${await listen(server, 0, 'test')}`;
}

describe('serviceRequestListener', () => {
  it('answers what a handler throws in the service’s shape: classified, too large, or internal', async () => {
    const url = await serve(async (request) => {
      if (request.url === '/teapot') throw new TeapotError('short and stout');
      if (request.url === '/upload') await readBody(request, 4);
      throw new Error('a bug');
    });
    const teapot = await fetch(`${url}/teapot`);
    expect(teapot.status).toBe(418);
    expect(teapot.headers.get('x-code')).toBe('Teapot');
    expect(await teapot.json()).toEqual({ fault: 'Teapot', text: 'short and stout' });
    const upload = await fetch(`${url}/upload`, { method: 'POST', body: 'more than four bytes' });
    expect(upload.status).toBe(413);
    expect(((await upload.json()) as { fault: string }).fault).toBe('RequestEntityTooLarge');
    const bug = await fetch(`${url}/bug`);
    expect(bug.status).toBe(500);
    expect(await bug.json()).toEqual({ fault: 'Internal', text: 'the emulator failed' });
  });

  it('ends the connection, rather than answer twice, when the handler fails after answering began', async () => {
    const url = await serve(async (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.write('partial');
      throw new Error('failed halfway');
    });
    const outcome = await fetch(url)
      .then((response) => response.text())
      .catch((error: unknown) => error);
    expect(outcome).toBeInstanceOf(Error);
  });
});
