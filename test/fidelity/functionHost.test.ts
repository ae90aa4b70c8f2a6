import { randomBytes } from 'node:crypto';
import type { InvocationContext, Timer } from '@azure/functions';
import { QueueClient } from '@azure/storage-queue';
import {
  generateKeys,
  type RunningFunctionHost,
  startFunctionHost,
} from '@fieldline/functions-host';
import {
  HubEventLog,
  RegistryStore,
  type RunningIotHub,
  startIotHubServer,
} from '@fieldline/iothub-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FunctionDefinition } from '../../functions/src/host/functionDefinition';
import { unauthorized } from '../../functions/src/identity/tokenVerifier';
import { useAzurite } from '../support/azuriteFixture';
import { hubRequests } from '../support/hubRequests';

const azurite = useAzurite();
const keys = generateKeys();
const policy = {
  name: 'owner',
  key: randomBytes(32).toString('base64'),
  rights: ['RegistryRead', 'RegistryWrite', 'DeviceConnect'] as (
    | 'RegistryRead'
    | 'RegistryWrite'
    | 'DeviceConnect'
  )[],
};

const eventually = async (check: () => void | Promise<void>, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
};

// What the test functions saw, by function name.
const seen: Record<string, unknown[]> = {};
const record = (name: string, value: unknown) => {
  seen[name] = [...(seen[name] ?? []), value];
};
let failFirstBatches = 0;

const definitions: FunctionDefinition[] = [
  {
    kind: 'http',
    name: 'echo',
    route: 'things/{id}/parts/{part?}',
    methods: ['GET', 'POST'],
    access: { kind: 'public', reason: 'a test route' },
    handler: async (request) => ({
      jsonBody: { params: request.params, method: request.method, body: await request.text() },
    }),
  },
  {
    kind: 'http',
    name: 'guarded',
    route: 'guarded',
    methods: ['PUT'],
    access: { kind: 'roles', anyOf: ['Fleet.Operate'] },
    maxBodyBytes: 64,
    handler: async (request, _context, caller) => ({
      status: 200,
      jsonBody: { caller: caller?.subject, body: await request.text() },
    }),
  },
  {
    kind: 'timer',
    name: 'everySecond',
    schedule: '*/1 * * * * *',
    handler: async (timer: Timer) => record('everySecond', timer),
  },
  {
    kind: 'timer',
    name: 'switchedOff',
    schedule: '*/1 * * * * *',
    handler: async (timer: Timer) => record('switchedOff', timer),
  },
  {
    kind: 'storageQueue',
    name: 'fussyWorker',
    queueName: '%WORK_QUEUE%',
    connection: 'DataStorage',
    handler: async (message: unknown, context: InvocationContext) => {
      record('fussyWorker', { message, dequeueCount: context.triggerMetadata?.dequeueCount });
      if ((message as { fail?: boolean }).fail) throw new Error('cannot do this one');
    },
  },
  {
    kind: 'eventHub',
    name: 'noRetry',
    connection: 'Hub',
    eventHubName: 'events',
    consumerGroup: 'plain',
    cardinality: 'many',
    handler: async (messages, context) => {
      record('noRetry', { messages, metadata: context.triggerMetadata });
      if (failFirstBatches > 0) {
        failFirstBatches--;
        throw new Error('storage is down');
      }
    },
  },
  {
    kind: 'eventHub',
    name: 'withRetry',
    connection: 'Hub',
    eventHubName: 'events',
    consumerGroup: 'retrying',
    cardinality: 'many',
    retry: { strategy: 'fixedDelay', maxRetryCount: 3, delayInterval: 20 },
    handler: async (messages, context) => {
      record('withRetry', { messages, retryCount: context.retryContext?.retryCount ?? 0 });
      if (
        (context.retryContext?.retryCount ?? 0) < 2 &&
        (messages as { temperature?: number }[]).some((m) => m.temperature === -1)
      ) {
        throw new Error('transient');
      }
    },
  },
];

let host: RunningFunctionHost;
let hub: RunningIotHub;
let rest: ReturnType<typeof hubRequests>;
let deviceToken: string;

beforeAll(async () => {
  const log = new HubEventLog({ partitionCount: 1 });
  hub = await startIotHubServer(0, {
    hostName: 'localhost',
    registry: new RegistryStore(),
    log,
    policies: [policy],
  });
  rest = hubRequests(hub);
  const created = await rest.registry('PUT', 'probe', rest.serviceToken(policy.name, policy.key), {
    body: {},
  });
  const primaryKey = (
    (await created.json()) as { authentication: { symmetricKey: { primaryKey: string } } }
  ).authentication.symmetricKey.primaryKey;
  deviceToken = rest.deviceToken('probe', primaryKey);
  host = await startFunctionHost({
    definitions,
    settings: {
      DataStorage: azurite().connectionString,
      WORK_QUEUE: 'work',
      'AzureWebJobs.switchedOff.Disabled': 'true',
    },
    keys,
    // Token validation itself is tested with the real verifier in identity.test.ts.
    authenticate: async (authorization) => {
      const roles = { 'Bearer operate': ['Fleet.Operate'], 'Bearer read': ['Fleet.Read'] }[
        authorization ?? ''
      ];
      if (!roles) throw unauthorized('unknown test token');
      return { issuer: 'https://t', subject: authorization ?? '', roles: new Set(roles) };
    },
    port: 0,
    corsOrigins: ['http://dashboard.local'],
    eventHubs: (connection, name) => (connection === 'Hub' && name === 'events' ? log : undefined),
    hostJson: {
      extensions: {
        queues: {
          maxDequeueCount: 3,
          visibilityTimeout: '00:00:00',
          maxPollingInterval: '00:00:00.2',
        },
      },
    },
    log: () => undefined,
  });
});
afterAll(async () => {
  await host?.stop();
  await hub?.stop();
});

describe('local function host: HTTP', () => {
  it('routes by template with optional parameters and passes method and body', async () => {
    const response = await fetch(`${host.baseUrl}/api/things/t-1/parts/p%202`, {
      method: 'POST',
      body: 'hello',
    });
    expect(await response.json()).toEqual({
      params: { id: 't-1', part: 'p 2' },
      method: 'POST',
      body: 'hello',
    });
    const optional = await fetch(`${host.baseUrl}/api/things/t-1/parts`);
    expect(await optional.json()).toMatchObject({ params: { id: 't-1' } });
    expect((await fetch(`${host.baseUrl}/api/nothing`)).status).toBe(404);
    expect((await fetch(`${host.baseUrl}/api/things/t-1/parts`, { method: 'DELETE' })).status).toBe(
      405,
    );
  });

  it('enforces the declared access through the shared guard: 401 with a challenge, then 403', async () => {
    const url = `${host.baseUrl}/api/guarded`;
    const denied = await fetch(url, { method: 'PUT' });
    expect(denied.status).toBe(401);
    expect(denied.headers.get('www-authenticate')).toBe('Bearer');
    expect(await denied.json()).toEqual({
      error: { code: 'unauthorized', message: expect.stringContaining('bearer token') },
    });
    // Function keys open nothing: only the admin API takes the master key.
    const keyed = await fetch(`${url}?code=${keys.masterKey}`, { method: 'PUT' });
    expect(keyed.status).toBe(401);
    const bad = await fetch(url, { method: 'PUT', headers: { authorization: 'Bearer nope' } });
    expect(bad.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
    const reader = await fetch(url, { method: 'PUT', headers: { authorization: 'Bearer read' } });
    expect(reader.status).toBe(403);
    const operator = await fetch(url, {
      method: 'PUT',
      headers: { authorization: 'Bearer operate' },
      body: 'ok',
    });
    expect(await operator.json()).toEqual({ caller: 'Bearer operate', body: 'ok' });
  });

  it('limits bodies by the bytes that arrive, before auth, whatever Content-Length says', async () => {
    const url = `${host.baseUrl}/api/guarded`;
    // No Content-Length at all (chunked), and no token: the size is still refused first.
    const chunked = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 4; i++) controller.enqueue(new TextEncoder().encode('x'.repeat(20)));
        controller.close();
      },
    });
    const streamed = await fetch(url, {
      method: 'PUT',
      body: chunked,
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(await streamed.json()).toMatchObject({ error: { code: 'payload_too_large' } });
    const small = await fetch(url, {
      method: 'PUT',
      headers: { authorization: 'Bearer operate' },
      body: 'x'.repeat(64),
    });
    expect(small.status).toBe(200);
  });

  it('answers CORS preflights for allowed origins only', async () => {
    const preflight = (origin: string) =>
      fetch(`${host.baseUrl}/api/guarded`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'PUT',
          'access-control-request-headers': 'authorization',
        },
      });
    const allowed = await preflight('http://dashboard.local');
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://dashboard.local');
    expect((await preflight('http://evil.example')).status).toBe(403);
    const simple = await fetch(`${host.baseUrl}/api/things/x/parts`, {
      headers: { origin: 'http://dashboard.local' },
    });
    expect(simple.headers.get('access-control-allow-origin')).toBe('http://dashboard.local');
  });
});

describe('local function host: timers and the admin API', () => {
  it('fires a six-field NCRONTAB timer with its schedule status', async () => {
    await eventually(() => expect((seen.everySecond ?? []).length).toBeGreaterThanOrEqual(2), 5000);
    const [first] = seen.everySecond as Timer[];
    expect(first).toMatchObject({ isPastDue: false, schedule: { adjustForDST: true } });
    expect(Date.parse(first?.scheduleStatus?.next ?? '')).toBeGreaterThan(
      Date.parse(first?.scheduleStatus?.lastUpdated ?? ''),
    );
  });

  it('never fires a trigger disabled with AzureWebJobs.<name>.Disabled, yet runs it on demand', async () => {
    await eventually(() => expect((seen.everySecond ?? []).length).toBeGreaterThanOrEqual(2), 5000);
    expect(seen.switchedOff).toBeUndefined();
    await host.invoke('switchedOff', '');
    expect(seen.switchedOff).toHaveLength(1);
  });

  it('runs a non-HTTP function on demand with the master key, and only with it', async () => {
    const admin = (key: string) =>
      fetch(`${host.baseUrl}/admin/functions/fussyWorker`, {
        method: 'POST',
        headers: { 'x-functions-key': key, 'content-type': 'application/json' },
        body: JSON.stringify({ input: '{"job":"by-hand"}' }),
      });
    expect((await admin('not-the-master-key')).status).toBe(401);
    expect((await admin(keys.masterKey)).status).toBe(202);
    await eventually(() =>
      expect(seen.fussyWorker).toContainEqual({ message: { job: 'by-hand' }, dequeueCount: 1 }),
    );
    const unknown = await fetch(`${host.baseUrl}/admin/functions/nope`, {
      method: 'POST',
      headers: { 'x-functions-key': keys.masterKey },
    });
    expect(unknown.status).toBe(404);
  });
});

describe('local function host: storage queues', () => {
  it('retries a failing message and moves it to <queue>-poison after maxDequeueCount', async () => {
    const connection = azurite().connectionString;
    const work = new QueueClient(connection, 'work');
    await work.createIfNotExists();
    await work.sendMessage(Buffer.from(JSON.stringify({ fail: true, n: 1 })).toString('base64'));
    await work.sendMessage(Buffer.from(JSON.stringify({ n: 2 })).toString('base64'));
    const poison = new QueueClient(connection, 'work-poison');
    await eventually(async () => {
      const { peekedMessageItems } = await poison.peekMessages({ numberOfMessages: 5 });
      expect(
        peekedMessageItems.map((m) => JSON.parse(Buffer.from(m.messageText, 'base64').toString())),
      ).toEqual([{ fail: true, n: 1 }]);
    });
    const attempts = (seen.fussyWorker ?? []).filter(
      (s) => (s as { message: { n?: number } }).message.n === 1,
    );
    expect(attempts.map((a) => (a as { dequeueCount: number }).dequeueCount)).toEqual([1, 2, 3]);
    expect(seen.fussyWorker).toContainEqual({ message: { n: 2 }, dequeueCount: 1 });
    expect((await work.peekMessages()).peekedMessageItems).toEqual([]);
  });
});

describe('local function host: Event Hubs over the IoT Hub log', () => {
  it('delivers batches with Azure-shaped metadata, and advances the checkpoint past a failed batch without a retry policy', async () => {
    failFirstBatches = 1;
    expect(
      (await rest.send('probe', deviceToken, '{"temperature":1}', { 'iothub-app-kind': 'first' }))
        .status,
    ).toBe(204);
    await eventually(() => expect((seen.noRetry ?? []).length).toBe(1));
    expect((await rest.send('probe', deviceToken, '{"temperature":2}')).status).toBe(204);
    await eventually(() => expect((seen.noRetry ?? []).length).toBe(2));
    const [failed, next] = seen.noRetry as {
      messages: unknown[];
      metadata: Record<string, unknown[]> & { partitionContext: unknown };
    }[];
    expect(failed?.messages).toEqual([{ temperature: 1 }]);
    expect(next?.messages).toEqual([{ temperature: 2 }]); // the failed batch was not redelivered
    expect(failed?.metadata.partitionContext).toEqual({
      consumerGroup: 'plain',
      eventHubName: 'events',
      fullyQualifiedNamespace: 'localhost',
      partitionId: '0',
    });
    expect(failed?.metadata.propertiesArray).toEqual([{ kind: 'first' }]);
    expect(failed?.metadata.systemPropertiesArray?.[0]).toMatchObject({
      'iothub-connection-device-id': 'probe',
      'iothub-message-source': 'Telemetry',
      sequenceNumber: 0,
    });
    expect(failed?.metadata.sequenceNumberArray).toEqual([0]);
  });

  it('re-runs the same batch under a retry policy before moving on', async () => {
    const before = (seen.withRetry ?? []).length;
    expect((await rest.send('probe', deviceToken, '{"temperature":-1}')).status).toBe(204);
    await eventually(() => {
      const runs = (seen.withRetry ?? []).slice(before) as {
        messages: { temperature: number }[];
        retryCount: number;
      }[];
      expect(
        runs.filter((r) => r.messages.some((m) => m.temperature === -1)).map((r) => r.retryCount),
      ).toEqual([0, 1, 2]);
    });
  });
});
