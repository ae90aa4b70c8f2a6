import {
  decodeEventBody,
  queueTriggerMetadata,
  toEventHubInvocation,
} from '@fieldline/functions-host';
import { type RunningMongo, startMongoServer } from '@fieldline/mongo-emulator';
import { type RunningSignalR, startSignalRServer } from '@fieldline/signalr-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  localAudience,
  localClients,
  type RunningLocalIdentity,
  startLocalIdentity,
} from '../../dev/localIdentity';
import type { DeviceState } from '../../functions/src/telemetry/deviceState';
import { clientToken } from '../../tools/tokens';
import { useAzurite } from '../support/azuriteFixture';
import {
  type BuiltFunctionApp,
  invokeBuilt,
  loadBuiltFunctionApp,
  triggerOf,
} from '../support/builtFunctionApp';
import { listenToHub } from '../support/hubListener';
import { createTestFunctionApp, deviceEvent } from '../support/testFunctionApp';
import { hostEventHubRequest, hostHttpRequest, hostQueueRequest } from '../support/workerPayloads';

const azurite = useAzurite();
const partition = {
  consumerGroup: 'ingest',
  eventHubName: 'fieldline-hub',
  fullyQualifiedNamespace: 'hub.servicebus.windows.net',
  partitionId: '3',
};

describe('invocations through the callbacks the bundle registered, as the worker makes them', () => {
  let app: BuiltFunctionApp;
  let issuer: RunningLocalIdentity;
  let signalR: RunningSignalR;
  let reader: string;
  beforeAll(async () => {
    // The bundle validates tokens with its own bundled jose, against a real issuer's JWKS.
    issuer = await startLocalIdentity({ clients: localClients() });
    signalR = await startSignalRServer(0);
    reader = await clientToken(issuer.identity, 'Fleet.Read');
    app = await loadBuiltFunctionApp({
      DataStorage: azurite().connectionString,
      AUTH_ISSUER: issuer.issuer,
      AUTH_AUDIENCE: localAudience,
      AzureSignalRConnectionString: signalR.connectionString,
    });
  });
  afterAll(async () => {
    await app?.cleanup();
    await issuer?.stop();
    await signalR?.stop();
  });

  const invoke = (name: string, request: { inputData: unknown[]; triggerMetadata: unknown }) =>
    invokeBuilt(app, name, request);

  it('decodes an Event Hubs batch into the metadata the local host passes, key for key', async () => {
    const events = [deviceEvent('meta-1', { temperature: 1 }, { properties: { kind: 'probe' } })];
    const { context } = await invoke(
      'ingestTelemetry',
      hostEventHubRequest(
        triggerOf(app.find('ingestTelemetry')).name as string,
        events,
        partition,
        'json',
      ),
    );
    // The library lower-cases the first letter of every key; the local host must hand over the same shape.
    expect(context.triggerMetadata).toEqual(
      toEventHubInvocation(events, partition).triggerMetadata,
    );
  });

  it('ingests a batch and sends to SignalR exactly what it sends under the local host', async () => {
    const bodies = [{ temperature: 20.5, humidity: 40 }, '{"temperature": 500}', { Celsius: 0 }];
    const workerEvents = bodies.map((body) => deviceEvent('via-worker', body));
    // The local host hands handlers what the worker does: hub bytes, JSON-parsed where they are JSON.
    const localEvents = workerEvents.map((event) => ({
      ...event,
      body: decodeEventBody(
        Buffer.from(typeof event.body === 'string' ? event.body : JSON.stringify(event.body)),
      ),
      systemProperties: { 'iothub-connection-device-id': 'via-local' },
    }));
    const trigger = triggerOf(app.find('ingestTelemetry')).name as string;

    // A dashboard's view of the hub: what the bundle sent through the service's REST API.
    const dashboard = await listenToHub(signalR, 'telemetry', ['deviceState', 'telemetryRejected']);
    const { logs } = await invoke(
      'ingestTelemetry',
      hostEventHubRequest(trigger, workerEvents, partition, 'collectionString'),
    );
    await dashboard.waitFor(2);
    await dashboard.stop();
    const sent = dashboard.received;
    expect(sent.map((m) => m.target)).toEqual(['deviceState', 'telemetryRejected']);
    expect(logs.some((line) => line.includes('2 readings accepted, 1 rejected'))).toBe(true);

    const local = await createTestFunctionApp(azurite().connectionString).ingest(
      localEvents,
      partition.partitionId,
    );
    const withoutId = (messages: readonly { target: string; arguments: readonly unknown[] }[]) =>
      JSON.parse(
        JSON.stringify(messages)
          .replaceAll('via-worker', 'device')
          .replaceAll('via-local', 'device'),
      );
    expect(withoutId(sent)).toEqual(withoutId(local));
  });

  it('answers HTTP requests through the same path, including errors', async () => {
    const getDevice = triggerOf(app.find('getDevice')).name as string;
    const request = (id: string, headers: Record<string, string>) =>
      hostHttpRequest(getDevice, {
        method: 'GET',
        url: `https://fl.azurewebsites.net/api/devices/${id}`,
        params: { id },
        headers,
      });
    const anonymous = await invoke('getDevice', request('via-worker', {}));
    expect(anonymous.http).toMatchObject({
      status: 401,
      json: { error: { code: 'unauthorized' } },
    });
    const found = await invoke(
      'getDevice',
      request('via-worker', { authorization: `Bearer ${reader}` }),
    );
    expect(found.http?.status).toBe(200);
    expect(found.http?.json).toMatchObject({
      deviceId: 'via-worker',
      temperature: 0,
      count: 2,
      rejected: 1,
    } satisfies Partial<DeviceState>);

    const missing = await invoke(
      'getDevice',
      request('nobody', { authorization: `Bearer ${reader}` }),
    );
    expect(missing.http).toMatchObject({
      status: 404,
      json: { error: { code: 'not_found', message: expect.any(String) } },
    });
  });

  it('delivers a queue message with the metadata the local host passes, and logs why it failed', async () => {
    const fn = app.find('encounterMatcher');
    const message = {
      messageId: 'b7c6f1f2-0d1e-4a53-9d9f-3a4b5c6d7e8f',
      dequeueCount: 3,
      insertedOn: new Date('2026-11-21T10:00:00Z'),
      expiresOn: new Date('2026-11-28T10:00:00Z'),
      nextVisibleOn: new Date('2026-11-21T10:01:30Z'),
      popReceipt: 'AgAAAAMAAAAAAAAA',
      text: '{"username":"zoe","window":7}',
    };
    const logs: string[] = [];
    const model = app.programmingModel.getInvocationModel({
      invocationId: crypto.randomUUID(),
      request: {
        invocationId: 'test',
        functionId: 'encounterMatcher',
        ...hostQueueRequest(triggerOf(fn).name as string, message),
      },
      metadata: fn.metadata,
      log: (_level: string, _category: string, text: string) => logs.push(text),
    });
    const { context, inputs } = await model.getArguments();
    expect(inputs).toEqual([{ username: 'zoe', window: 7 }]);
    expect((context as { triggerMetadata?: unknown }).triggerMetadata).toEqual(
      queueTriggerMetadata(message),
    );
    // A failure that can pass (here the feature is not configured) goes back to the host, which
    // retries and then moves the message to the poison queue.
    await expect(model.invokeFunction(context, inputs, fn.callback)).rejects.toThrow(
      /encounters feature is not configured/,
    );
    expect(logs.some((line) => /dequeue count 3.*encounters-poison/.test(line))).toBe(true);
  });

  it('negotiates in code: a validated Fleet.Read token, then a client token from the service', async () => {
    const fn = app.find('negotiate');
    const request = hostHttpRequest(triggerOf(fn).name as string, {
      method: 'POST',
      url: 'https://fl.azurewebsites.net/api/negotiate?negotiateVersion=1',
      headers: { authorization: `Bearer ${reader}` },
    });
    const { http } = await invoke('negotiate', request);
    expect(http).toMatchObject({
      status: 200,
      json: { url: `${signalR.endpoint}/client/?hub=telemetry`, accessToken: expect.any(String) },
    });
    // The token opens the hub at the service, as the official client would use it.
    const opened = await fetch(
      `${signalR.endpoint}/client/negotiate?hub=telemetry&negotiateVersion=1`,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${(http?.json as { accessToken?: string } | undefined)?.accessToken}`,
        },
      },
    );
    expect(opened.status).toBe(200);
  });
});

describe('a SignalR trigger through the callback the bundle registered', () => {
  let app: BuiltFunctionApp;
  let signalR: RunningSignalR;
  let mongo: RunningMongo;
  beforeAll(async () => {
    signalR = await startSignalRServer(0);
    mongo = await startMongoServer(0);
    app = await loadBuiltFunctionApp({
      DataStorage: azurite().connectionString,
      AzureSignalRConnectionString: signalR.connectionString,
      MONGODB_URI: mongo.uri,
    });
  });
  afterAll(async () => {
    await app?.cleanup();
    await mongo?.stop();
    await signalR?.stop();
  });

  it('reads the extension’s InvocationContext and returns the invocation’s result to the host', async () => {
    const fn = app.find('rooms_createRoom');
    // The extension hands the worker its InvocationContext as JSON, PascalCase as .NET writes it.
    const invocationContext = {
      Arguments: [{ name: 'From the worker' }],
      Error: null,
      Category: 'messages',
      Event: 'createRoom',
      Hub: 'rooms',
      ConnectionId: 'connection-1',
      UserId: 'user-1',
      Headers: {},
      Query: {},
      Claims: {},
    };
    const { response } = await invokeBuilt(app, 'rooms_createRoom', {
      inputData: [{ name: triggerOf(fn).name, data: { json: JSON.stringify(invocationContext) } }],
      triggerMetadata: {},
    });
    const result = JSON.parse(
      (response.returnValue as { json?: string } | undefined)?.json ?? 'null',
    ) as { roomId?: unknown; inviteCode?: unknown } | null;
    expect(result).toMatchObject({
      roomId: expect.any(String),
      inviteCode: expect.stringMatching(/^[A-Z2-9]{8}$/),
    });
  });
});
