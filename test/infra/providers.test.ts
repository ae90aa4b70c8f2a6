import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOneDeployProvider } from '../../infra/providers/oneDeployProvider';
import { createStaticSiteProvider } from '../../infra/providers/staticSiteProvider';
import { useAzurite } from '../support/azuriteFixture';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'fieldline-providers-'));
});
afterAll(() => rm(work, { recursive: true, force: true }));

describe('One Deploy custom resource', () => {
  type Call = {
    method: string;
    url: string;
    authorization: string | undefined;
    contentType: string | undefined;
    bytes: number;
  };
  let server: http.Server;
  let base: string;
  const calls: Call[] = [];
  const script: { status: number; location?: boolean }[] = [];
  let pollStates: number[] = [];

  beforeAll(async () => {
    server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        calls.push({
          method: request.method ?? '',
          url: request.url ?? '',
          authorization: request.headers.authorization,
          contentType: request.headers['content-type'],
          bytes: Buffer.concat(chunks).length,
        });
        if (request.url?.startsWith('/status')) {
          response
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ status: pollStates.shift() ?? 4 }));
          return;
        }
        const next = script.shift() ?? { status: 200 };
        response
          .writeHead(next.status, next.location ? { location: `${base}/status/1` } : {})
          .end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const provider = () =>
    createOneDeployProvider({
      getToken: async () => 'entra-token',
      sleep: async () => undefined,
      maxAttempts: 3,
      pollIntervalMs: 1,
    });
  const inputs = async (hash: string) => {
    const zipPath = path.join(work, `${hash}.zip`);
    await writeFile(zipPath, Buffer.alloc(1234, 7));
    return {
      publishUrl: `${base}/api/publish`,
      zipPath,
      contentHash: hash,
      appId: '/subscriptions/s/resourceGroups/g/providers/Microsoft.Web/sites/app',
    };
  };

  it('deploys the zip with an Entra ID token on create', async () => {
    calls.length = 0;
    const created = await provider().create(await inputs('hash-1'));
    expect(created.id).toBe(
      '/subscriptions/s/resourceGroups/g/providers/Microsoft.Web/sites/app/onedeploy',
    );
    expect(calls).toEqual([
      {
        method: 'POST',
        url: '/api/publish?RemoteBuild=false',
        authorization: 'Bearer entra-token',
        contentType: 'application/zip',
        bytes: 1234,
      },
    ]);
  });

  it('redeploys when, and only when, the content hash or the app changes', async () => {
    const diff = provider().diff as NonNullable<ReturnType<typeof createOneDeployProvider>['diff']>;
    const same = await inputs('hash-1');
    expect((await diff('id', same, { ...same })).changes).toBe(false);
    expect((await diff('id', same, await inputs('hash-2'))).changes).toBe(true);
    expect((await diff('id', same, { ...same, appId: 'recreated' })).changes).toBe(true);
    calls.length = 0;
    const update = provider().update as NonNullable<
      ReturnType<typeof createOneDeployProvider>['update']
    >;
    await update('id', same, await inputs('hash-2'));
    expect(calls.map((c) => c.method)).toEqual(['POST']);
  });

  it('retries while a new role assignment has not applied, then follows the async deployment to its end', async () => {
    calls.length = 0;
    script.push({ status: 403 }, { status: 202, location: true });
    pollStates = [1, 4];
    await provider().create(await inputs('hash-3'));
    expect(calls.map((c) => `${c.method} ${c.url.split('?')[0]}`)).toEqual([
      'POST /api/publish',
      'POST /api/publish',
      'GET /status/1',
      'GET /status/1',
    ]);
  });

  it('fails with the answer when the deployment fails or access never arrives', async () => {
    script.push({ status: 202, location: true });
    pollStates = [3];
    await expect(provider().create(await inputs('hash-4'))).rejects.toThrow(/deployment failed/);
    script.push({ status: 403 }, { status: 403 }, { status: 403 });
    await expect(provider().create(await inputs('hash-5'))).rejects.toThrow(/answered 403/);
  });
});

describe('static website custom resource', () => {
  const azurite = useAzurite();

  const container = async () => {
    const client = BlobServiceClient.fromConnectionString(
      azurite().connectionString,
    ).getContainerClient('$web');
    await client.createIfNotExists();
    return client;
  };
  const build = async (name: string, files: Record<string, string>) => {
    const dir = path.join(work, name);
    for (const [file, text] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
      await writeFile(path.join(dir, file), text);
    }
    return dir;
  };

  it('uploads the build with content types, cache headers and config.json, and removes stale files on update', async () => {
    const provider = createStaticSiteProvider({ container: () => container() });
    const first = {
      blobEndpoint: 'https://account.blob.core.windows.net/',
      sourceDir: await build('v1', {
        'index.html': '<html>',
        'assets/app-1.js': 'one()',
        'assets/app-1.css': 'a{}',
      }),
      contentHash: 'v1',
      config: { apiBaseUrl: 'https://app.azurewebsites.net/api', stage: 'dev' },
    };
    await provider.create(first);
    const web = await container();
    const blobs = async () => {
      const found: Record<string, { type?: string; cache?: string }> = {};
      for await (const blob of web.listBlobsFlat())
        found[blob.name] = {
          type: blob.properties.contentType,
          cache: blob.properties.cacheControl,
        };
      return found;
    };
    expect(await blobs()).toEqual({
      'assets/app-1.css': {
        type: 'text/css; charset=utf-8',
        cache: 'public, max-age=31536000, immutable',
      },
      'assets/app-1.js': {
        type: 'text/javascript; charset=utf-8',
        cache: 'public, max-age=31536000, immutable',
      },
      'config.json': { type: 'application/json; charset=utf-8', cache: 'no-store' },
      'index.html': { type: 'text/html; charset=utf-8', cache: 'no-cache' },
    });
    const config = JSON.parse(
      (await web.getBlobClient('config.json').downloadToBuffer()).toString(),
    );
    expect(config).toEqual(first.config);

    const diff = provider.diff as NonNullable<typeof provider.diff>;
    expect((await diff('id', first, { ...first })).changes).toBe(false);
    const second = {
      ...first,
      sourceDir: await build('v2', { 'index.html': '<html>2', 'assets/app-2.js': 'two()' }),
      contentHash: 'v2',
    };
    expect((await diff('id', first, second)).changes).toBe(true);
    expect(
      (await diff('id', first, { ...first, config: { ...first.config, stage: 'prod' } })).changes,
    ).toBe(true);
    await (provider.update as NonNullable<typeof provider.update>)('id', first, second);
    expect(Object.keys(await blobs()).sort()).toEqual([
      'assets/app-2.js',
      'config.json',
      'index.html',
    ]);
  });
});
