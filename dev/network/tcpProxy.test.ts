import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { startMongoServer } from '@fieldline/mongo-emulator';
import { MongoClient } from 'mongodb';
import { afterEach, describe, expect, it } from 'vitest';
import { startTcpProxy } from './tcpProxy';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function echoServer() {
  let connections = 0;
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () =>
      response.end(`${request.method} ${request.url} ${Buffer.concat(chunks).toString()}`),
    );
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return { port: (server.address() as AddressInfo).port, connections: () => connections };
}

function send(
  agent: http.Agent,
  port: number,
  path: string,
  body: { text: string; chunked?: boolean } | undefined,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: body ? 'POST' : 'GET',
        agent,
        headers: body && !body.chunked ? { 'content-length': Buffer.byteLength(body.text) } : {},
      },
      (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => {
          text += chunk.toString();
        });
        response.on('end', () => resolve(text));
      },
    );
    request.on('error', reject);
    if (body) {
      // Two writes: the request reaches the proxy in pieces, and must still count once.
      const half = Math.floor(body.text.length / 2);
      request.write(body.text.slice(0, half));
      setTimeout(() => request.end(body.text.slice(half)), 5);
    } else request.end();
  });
}

describe('the TCP proxy between the benchmarks and their dependencies', () => {
  it('finds HTTP/1.1 keep-alive request boundaries, with fixed and chunked bodies, and adds the round trip to each', async () => {
    const target = await echoServer();
    const requests: string[] = [];
    const proxy = await startTcpProxy(target.port, {
      rttMs: 40,
      framing: 'http',
      onRequest: (line) => requests.push(line),
    });
    cleanups.push(() => proxy.close());
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    cleanups.push(async () => agent.destroy());

    const started = performance.now();
    const answers = [
      await send(agent, proxy.port, '/a', undefined),
      await send(agent, proxy.port, '/b', { text: 'fixed length body' }),
      await send(agent, proxy.port, '/c', { text: 'sent in chunks', chunked: true }),
      await send(agent, proxy.port, '/d', { text: '' }),
    ];
    const elapsed = performance.now() - started;

    expect(answers).toEqual([
      'GET /a ',
      'POST /b fixed length body',
      'POST /c sent in chunks',
      'POST /d ',
    ]);
    expect(requests).toEqual([
      'GET /a HTTP/1.1',
      'POST /b HTTP/1.1',
      'POST /c HTTP/1.1',
      'POST /d HTTP/1.1',
    ]);
    expect(proxy.requests).toBe(4);
    expect(target.connections()).toBe(1);
    // A lower bound only: each request waited a whole round trip, whatever else the machine did.
    expect(elapsed).toBeGreaterThanOrEqual(4 * 40 - 4);
  });

  it('finds MongoDB wire protocol messages and names their commands, for the official driver', async () => {
    const mongo = await startMongoServer();
    cleanups.push(() => mongo.stop());
    const commands: string[] = [];
    const proxy = await startTcpProxy(mongo.port, {
      rttMs: 10,
      framing: 'mongodb',
      onRequest: (name) => commands.push(name),
    });
    cleanups.push(() => proxy.close());
    const client = new MongoClient(
      `mongodb://127.0.0.1:${proxy.port}/proxied?directConnection=true`,
    );
    cleanups.push(() => client.close());

    const things = client.db().collection('things');
    await things.insertMany(Array.from({ length: 50 }, (_, i) => ({ i, text: 'x'.repeat(1000) })));
    expect(await things.countDocuments({ i: { $gte: 25 } })).toBe(25);

    expect(commands).toContain('insert');
    expect(commands).toContain('aggregate');
    expect(proxy.requests).toBe(commands.length);
  });

  it('cuts a connection whose bytes break the protocol, and keeps serving others', async () => {
    const mongo = await startMongoServer();
    cleanups.push(() => mongo.stop());
    const proxy = await startTcpProxy(mongo.port, { framing: 'mongodb' });
    cleanups.push(() => proxy.close());

    const broken = net.connect(proxy.port, '127.0.0.1');
    broken.on('error', () => undefined);
    broken.write(Buffer.from([0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0]));
    await new Promise((resolve) => broken.once('close', resolve));

    const client = new MongoClient(
      `mongodb://127.0.0.1:${proxy.port}/proxied?directConnection=true`,
    );
    cleanups.push(() => client.close());
    await client.db().collection('things').insertOne({ ok: true });
    expect(await client.db().collection('things').countDocuments()).toBe(1);
  });
});
