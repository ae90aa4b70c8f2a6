import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { AzureKeyCredential, type SearchIndex, SearchIndexClient } from '@azure/search-documents';
import { BlobServiceClient } from '@azure/storage-blob';
import { startSearchServer } from '@fieldline/search-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tracksIndex } from '../../functions/src/catalog/tracksIndex';
import { armCredentialKind, federatedToken } from '../../infra/providers/armCredential';
import { createDeletedVaultCheckProvider } from '../../infra/providers/deletedVaultProvider';
import {
  createFunctionHostKeyProvider,
  createGeneratedKeyProvider,
} from '../../infra/providers/hostKeyProvider';
import { createOneDeployProvider } from '../../infra/providers/oneDeployProvider';
import { createSearchIndexProvider } from '../../infra/providers/searchIndexProvider';
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
  /** What /api/publish answers, in order; Flex answers 202 with the deployment id in the body. */
  const publishes: { status: number; body?: string }[] = [];
  let pollStates: { status: number; status_text?: string }[] = [];
  let log: { message: string }[] = [];

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
        const json = (body: unknown) =>
          response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
        if (request.url?.endsWith('/log')) return json(log);
        if (request.url?.startsWith('/api/deployments/'))
          return json(pollStates.shift() ?? { status: 4 });
        const next = publishes.shift() ?? { status: 200 };
        response.writeHead(next.status).end(next.body ?? '');
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
  const requests = () => calls.map((c) => `${c.method} ${c.url.split('?')[0]}`);

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

  it('follows a 202 without Location to its end through /api/deployments/{id}, retrying while access applies', async () => {
    calls.length = 0;
    publishes.push(
      { status: 403 },
      { status: 202, body: '"3f6c1e52-1d1c-4a35-9b0e-0c7c3f9e5a10"' },
    );
    pollStates = [{ status: 1 }, { status: 2 }, { status: 4 }];
    await provider().create(await inputs('hash-3'));
    expect(requests()).toEqual([
      'POST /api/publish',
      'POST /api/publish',
      'GET /api/deployments/3f6c1e52-1d1c-4a35-9b0e-0c7c3f9e5a10',
      'GET /api/deployments/3f6c1e52-1d1c-4a35-9b0e-0c7c3f9e5a10',
      'GET /api/deployments/3f6c1e52-1d1c-4a35-9b0e-0c7c3f9e5a10',
    ]);
  });

  // Regression: a 202 without a Location header was recorded as deployed, so a failed deployment
  // kept its new hash and was never retried. A failure now throws, and Pulumi keeps the old hash.
  it.each([-1, 3, 5, 6])(
    'fails with the deployment log when the deployment ends in status %i',
    async (status) => {
      publishes.push({ status: 202, body: 'deployment-1' });
      pollStates = [{ status, status_text: 'Deployment failed.' }];
      log = [
        { message: 'Extracting package' },
        { message: 'Function host failed to start: bad index.js' },
      ];
      const update = provider().update as NonNullable<
        ReturnType<typeof createOneDeployProvider>['update']
      >;
      const failed = update('id', await inputs('hash-1'), await inputs(`hash-${status}`));
      await expect(failed).rejects.toThrow(
        new RegExp(
          `status ${status}\\):\\nDeployment failed.\\nExtracting package\\nFunction host failed to start`,
        ),
      );
    },
  );

  it('publishes again while storage refuses the package (the blob role still propagating), with a bound', async () => {
    calls.length = 0;
    publishes.push({ status: 202, body: 'deployment-2' }, { status: 202, body: 'deployment-3' });
    pollStates = [
      { status: 3, status_text: 'Upload failed: 403 AuthorizationPermissionMismatch' },
      { status: 4 },
    ];
    log = [];
    await provider().create(await inputs('hash-7'));
    expect(requests()).toEqual([
      'POST /api/publish',
      'GET /api/deployments/deployment-2',
      'GET /api/deployments/deployment-2/log',
      'POST /api/publish',
      'GET /api/deployments/deployment-3',
    ]);
    publishes.push({ status: 403 }, { status: 403 }, { status: 403 });
    await expect(provider().create(await inputs('hash-8'))).rejects.toThrow(/answered 403/);
  });
});

describe('the dynamic providers sign in as the azure-native provider does', () => {
  it.each([
    [
      { ARM_CLIENT_ID: 'c', ARM_TENANT_ID: 't', ARM_CLIENT_SECRET: 's', ARM_USE_OIDC: 'true' },
      'client-secret',
    ],
    [
      { ARM_CLIENT_ID: 'c', ARM_TENANT_ID: 't', ARM_CLIENT_CERTIFICATE_PATH: '/c.pem' },
      'client-certificate',
    ],
    [{ ARM_CLIENT_ID: 'c', ARM_TENANT_ID: 't', ARM_USE_OIDC: 'true' }, 'oidc'],
    [{ ARM_USE_MSI: 'true' }, 'managed-identity'],
    [{ AZURE_CLIENT_ID: 'ignored', AZURE_CLIENT_SECRET: 'ignored' }, 'azure-cli'],
  ] as const)('%o signs in with %s', (env, kind) => {
    expect(armCredentialKind(env)).toBe(kind);
  });

  it('says what is missing for OIDC', () => {
    expect(() => armCredentialKind({ ARM_USE_OIDC: 'true' })).toThrow(
      /ARM_CLIENT_ID and ARM_TENANT_ID/,
    );
  });

  it("exchanges GitHub Actions' OIDC token for the Entra audience", async () => {
    const seen: string[] = [];
    const token = await federatedToken(
      {
        ACTIONS_ID_TOKEN_REQUEST_URL: 'https://token.actions.example/x?api-version=1',
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'req',
      },
      (async (url: URL, init?: RequestInit) => {
        seen.push(`${String(url)} ${new Headers(init?.headers).get('authorization')}`);
        return new Response(JSON.stringify({ value: 'github-oidc-jwt' }));
      }) as typeof fetch,
    );
    expect(token).toBe('github-oidc-jwt');
    expect(seen).toEqual([
      'https://token.actions.example/x?api-version=1&audience=api%3A%2F%2FAzureADTokenExchange Bearer req',
    ]);
    expect(await federatedToken({ ARM_OIDC_TOKEN: 'given' }, fetch)).toBe('given');
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
        'index.html': '<html><head><title>x</title></head></html>',
        'assets/app-1.js': 'one()',
        'assets/app-1.css': 'a{}',
      }),
      contentHash: 'v1',
      config: { apiBaseUrl: 'https://app.azurewebsites.net/api', stage: 'dev' },
      contentSecurityPolicy: "script-src 'self'; connect-src 'self' https://app.azurewebsites.net",
    };
    await provider.create(first);
    const diff = provider.diff as NonNullable<typeof provider.diff>;
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
    // Each page carries its policy as the first element of <head> (the website sets no headers).
    expect((await web.getBlobClient('index.html').downloadToBuffer()).toString()).toBe(
      `<html><head>\n    <meta http-equiv="Content-Security-Policy" content="script-src 'self'; connect-src 'self' https://app.azurewebsites.net" /><title>x</title></head></html>`,
    );
    expect(
      (await diff('id', first, { ...first, contentSecurityPolicy: "script-src 'none'" })).changes,
    ).toBe(true);

    expect((await diff('id', first, { ...first })).changes).toBe(false);
    const second = {
      ...first,
      sourceDir: await build('v2', {
        'index.html': '<html><head></head>2</html>',
        'assets/app-2.js': 'two()',
      }),
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

describe('Functions host key custom resource', () => {
  const appId = '/subscriptions/s/resourceGroups/g/providers/Microsoft.Web/sites/fl-dev-api';
  const inputs = {
    appId,
    keyType: 'systemKeys' as const,
    keyName: 'signalr_extension',
    value: 'k'.repeat(43),
  };

  it('sets the key through ARM once the host answers, and removes it on delete', async () => {
    const calls: { method: string; url: string; body: unknown }[] = [];
    const answers = [404, 409, 200, 404];
    const provider = createFunctionHostKeyProvider({
      getToken: async () => 'arm-token',
      sleep: async () => undefined,
      fetch: (async (url: string, init: RequestInit) => {
        calls.push({
          method: String(init.method),
          url,
          body: init.body ? JSON.parse(String(init.body)) : undefined,
        });
        return new Response('{}', { status: answers.shift() ?? 500 });
      }) as typeof fetch,
    });
    const created = await provider.create?.(inputs);
    expect(created?.id).toBe(`${appId}/host/default/systemKeys/signalr_extension`);
    expect(calls.map((c) => c.method)).toEqual(['PUT', 'PUT', 'PUT']);
    expect(calls[0]).toEqual({
      method: 'PUT',
      url: `https://management.azure.com${appId}/host/default/systemKeys/signalr_extension?api-version=2024-04-01`,
      body: { properties: { name: 'signalr_extension', value: inputs.value } },
    });
    await provider.delete?.(created?.id ?? '', inputs);
    expect(calls.at(-1)?.method).toBe('DELETE');
  });

  it("retries ARM's 400 for a host that is not up yet, bounded, and not other 400s", async () => {
    const notUp = JSON.stringify({
      Code: 'BadRequest',
      Message: 'Encountered an error (ServiceUnavailable) from host runtime.',
    });
    const answers = [400, 400, 200];
    const calls: string[] = [];
    const provider = createFunctionHostKeyProvider({
      getToken: async () => 'arm-token',
      sleep: async () => undefined,
      fetch: (async (_url: string, init: RequestInit) => {
        calls.push(String(init.method));
        const status = answers.shift() ?? 500;
        return new Response(status === 400 ? notUp : '{}', { status });
      }) as typeof fetch,
    });
    await provider.create?.(inputs);
    expect(calls).toEqual(['PUT', 'PUT', 'PUT']);

    let attempts = 0;
    const bounded = createFunctionHostKeyProvider({
      getToken: async () => 'arm-token',
      sleep: async () => undefined,
      maxAttempts: 3,
      fetch: (async () => {
        attempts++;
        return new Response(notUp, { status: 400 });
      }) as unknown as typeof fetch,
    });
    await expect(bounded.create?.(inputs)).rejects.toThrow(/answered 400: .*from host runtime/);
    expect(attempts).toBe(3);

    attempts = 0;
    const invalid = createFunctionHostKeyProvider({
      getToken: async () => 'arm-token',
      sleep: async () => undefined,
      fetch: (async () => {
        attempts++;
        return new Response('{"Code":"BadRequest","Message":"Invalid key name"}', { status: 400 });
      }) as unknown as typeof fetch,
    });
    await expect(invalid.create?.(inputs)).rejects.toThrow(/answered 400: .*Invalid key name/);
    expect(attempts).toBe(1);
  });

  it('stops on a refusal that retrying cannot fix, naming it', async () => {
    const provider = createFunctionHostKeyProvider({
      getToken: async () => 'arm-token',
      sleep: async () => undefined,
      fetch: (async () => new Response('no rights', { status: 403 })) as unknown as typeof fetch,
    });
    await expect(provider.create?.(inputs)).rejects.toThrow(
      'setting the host key systemKeys/signalr_extension answered 403: no rights',
    );
  });

  it('generates the key once: a new value only when the resource is replaced', async () => {
    const provider = createGeneratedKeyProvider();
    const a = await provider.create?.({ name: 'k' });
    const b = await provider.create?.({ name: 'k' });
    expect(a?.outs.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a?.outs.value).not.toBe(b?.outs.value);
    expect(await provider.diff?.('k', { name: 'k' }, { name: 'k' })).toMatchObject({
      changes: false,
    });
  });
});

describe('search index custom resource', () => {
  it('creates the index through @azure/search-documents, retrying 403 while the deployer role applies', async () => {
    const search = await startSearchServer(0);
    try {
      const real = new SearchIndexClient(search.endpoint, new AzureKeyCredential(search.apiKey), {
        allowInsecureConnection: true,
      });
      let refusals = 1;
      const client = {
        createOrUpdateIndex: async (definition: SearchIndex) => {
          if (refusals-- > 0) throw Object.assign(new Error('Forbidden'), { statusCode: 403 });
          return real.createOrUpdateIndex(definition);
        },
      } as unknown as SearchIndexClient;
      const sleeps: number[] = [];
      const provider = createSearchIndexProvider({
        client: async () => client,
        sleep: async (ms) => {
          sleeps.push(ms);
        },
      });
      const inputs = { endpoint: search.endpoint, definition: JSON.stringify(tracksIndex) };
      const created = await provider.create?.(inputs);
      expect(created?.id).toBe(`${search.endpoint}/indexes/tracks`);
      expect(sleeps).toHaveLength(1);
      const stored = await real.getIndex('tracks');
      expect(stored.fields.map((f) => f.name)).toEqual(tracksIndex.fields.map((f) => f.name));
      expect(stored.suggesters?.[0]?.sourceFields).toEqual(['title', 'artist']);
      expect(await provider.diff?.('id', inputs, inputs)).toMatchObject({ changes: false });

      const refused = createSearchIndexProvider({
        client: async () => real,
        sleep: async () => undefined,
      });
      await expect(
        refused.create?.({
          endpoint: search.endpoint,
          definition: JSON.stringify({ ...tracksIndex, fields: [] }),
        }),
      ).rejects.toThrow(
        /^creating the search index tracks at http:\/\/127\.0\.0\.1:\d+ failed \(400\)/,
      );
    } finally {
      await search.stop();
    }
  });
});

describe('deleted Key Vault check', () => {
  const inputs = { subscriptionId: 'sub', location: 'westeurope', vaultName: 'fl-dev-kv-abc123' };
  const answering = (status: number, body: unknown, urls: string[] = []) =>
    createDeletedVaultCheckProvider({
      getToken: async () => 'arm-token',
      fetch: (async (url: string) => {
        urls.push(url);
        return new Response(JSON.stringify(body), { status });
      }) as typeof fetch,
    });

  it('lets a new vault through when no deleted vault holds the name', async () => {
    const urls: string[] = [];
    const created = await answering(404, { error: { code: 'NotFound' } }, urls).create?.(inputs);
    expect(created?.outs).toMatchObject({ checked: true });
    expect(urls).toEqual([
      'https://management.azure.com/subscriptions/sub/providers/Microsoft.KeyVault/locations/westeurope/deletedVaults/fl-dev-kv-abc123?api-version=2023-07-01',
    ]);
  });

  it('stops a re-created stage on its soft-deleted vault with the exact purge command', async () => {
    const deleted = {
      name: 'fl-dev-kv-abc123',
      properties: {
        vaultId:
          '/subscriptions/sub/resourceGroups/fl-dev/providers/Microsoft.KeyVault/vaults/fl-dev-kv-abc123',
        scheduledPurgeDate: '2027-03-02T10:00:00Z',
        purgeProtectionEnabled: false,
      },
    };
    await expect(answering(200, deleted).create?.(inputs)).rejects.toThrow(
      'Free it with: az keyvault purge --name fl-dev-kv-abc123 --location westeurope',
    );
    const protectedVault = {
      ...deleted,
      properties: { ...deleted.properties, purgeProtectionEnabled: true },
    };
    await expect(answering(200, protectedVault).create?.(inputs)).rejects.toThrow(
      'is purge-protected until 2027-03-02, so its name cannot be reused before then. Set another suffix (pulumi config set fieldline:nameSuffix',
    );
  });

  it('lets a deployer that may not read deleted vaults through, saying it did not check', async () => {
    const created = await answering(403, { error: { code: 'AuthorizationFailed' } }).create?.(
      inputs,
    );
    expect(created?.outs).toMatchObject({ checked: false });
  });
});
