import {
  type HubConnection,
  HubConnectionBuilder,
  HubConnectionState,
  LogLevel,
} from '@microsoft/signalr';
import { SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSignalR, startSignalRServer } from './signalRServer';

let service: RunningSignalR;
const connections: HubConnection[] = [];

beforeAll(async () => {
  service = await startSignalRServer(0, { pingIntervalMs: 200 });
});
afterEach(async () => {
  await Promise.all(connections.splice(0).map((c) => c.stop()));
});
afterAll(() => service.stop());

/** A token signed as the service SDKs sign them, by jose: neither the emulator's code nor the app's. */
const token = (
  aud: string,
  claims: { nameid?: string; exp?: number } = {},
  key = service.accessKey,
) =>
  new SignJWT(claims.nameid ? { nameid: claims.nameid } : {})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setAudience(aud)
    .setExpirationTime(claims.exp ?? Math.floor(Date.now() / 1000) + 600)
    .sign(new TextEncoder().encode(key));

/** A client as the serverless negotiate hands it over: the client URL and a token for it. */
function client(hub: string, userId?: string, key?: string): HubConnection {
  const url = `${service.endpoint}/client/?hub=${hub}`;
  const connection = new HubConnectionBuilder()
    .withUrl(url, { accessTokenFactory: () => token(url, userId ? { nameid: userId } : {}, key) })
    .withAutomaticReconnect([0, 100, 200])
    .configureLogging(LogLevel.None)
    .build();
  connections.push(connection);
  return connection;
}

async function rest(method: string, path: string, body?: unknown, key?: string) {
  const url = `${service.endpoint}${path}`;
  return fetch(url, {
    method,
    // The audience is the URL without its query, as the service SDKs sign it.
    headers: {
      authorization: `Bearer ${await token(url.split('?')[0] ?? url, {}, key)}`,
      'content-type': 'application/json',
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

function received(connection: HubConnection, target: string): unknown[][] {
  const calls: unknown[][] = [];
  connection.on(target, (...args: unknown[]) => calls.push(args));
  return calls;
}

const eventually = async (check: () => void, timeoutMs = 5000) => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
};

describe('SignalR stand-in with the official client', () => {
  it('delivers REST broadcasts to every client of the hub, and only that hub', async () => {
    const a = client('telemetry');
    const b = client('telemetry');
    const other = client('chat');
    const [gotA, gotB, gotOther] = [
      received(a, 'deviceState'),
      received(b, 'deviceState'),
      received(other, 'deviceState'),
    ];
    await Promise.all([a.start(), b.start(), other.start()]);
    const response = await rest('POST', '/api/v1/hubs/telemetry', {
      target: 'deviceState',
      arguments: [[{ deviceId: 'd1', temperature: 0 }]],
    });
    expect(response.status).toBe(202);
    await eventually(() => expect(gotA).toEqual([[[{ deviceId: 'd1', temperature: 0 }]]]));
    await eventually(() => expect(gotB).toHaveLength(1));
    expect(gotOther).toEqual([]);
  });

  it('sends to one user, and to groups by membership', async () => {
    const alice = client('encounters', 'alice');
    const bob = client('encounters', 'bob');
    const [aliceGot, bobGot] = [received(alice, 'encounterMatch'), received(bob, 'encounterMatch')];
    await Promise.all([alice.start(), bob.start()]);
    await rest('POST', '/api/v1/hubs/encounters/users/alice', {
      target: 'encounterMatch',
      arguments: ['for alice'],
    });
    expect((await rest('PUT', '/api/v1/hubs/encounters/groups/runners/users/bob')).status).toBe(
      202,
    );
    await rest('POST', '/api/v1/hubs/encounters/groups/runners', {
      target: 'encounterMatch',
      arguments: ['for runners'],
    });
    await eventually(() => expect(bobGot).toEqual([['for runners']]));
    expect(aliceGot).toEqual([['for alice']]);
    await rest('DELETE', '/api/v1/hubs/encounters/groups/runners/users/bob');
    await rest('POST', '/api/v1/hubs/encounters/groups/runners', {
      target: 'encounterMatch',
      arguments: ['again'],
    });
    await rest('POST', '/api/v1/hubs/encounters/users/bob', {
      target: 'encounterMatch',
      arguments: ['direct'],
    });
    await eventually(() => expect(bobGot).toEqual([['for runners'], ['direct']]));
  });

  it('refuses clients and REST calls whose token is wrong, expired or for another audience', async () => {
    await expect(client('telemetry', undefined, 'not-the-key').start()).rejects.toThrow();
    const url = `${service.endpoint}/client/?hub=telemetry`;
    const expired = new HubConnectionBuilder()
      .withUrl(url, {
        accessTokenFactory: () => token(url, { exp: Math.floor(Date.now() / 1000) - 5 }),
      })
      .configureLogging(LogLevel.None)
      .build();
    await expect(expired.start()).rejects.toThrow();
    expect(
      (await rest('POST', '/api/v1/hubs/telemetry', { target: 'x', arguments: [] }, 'not-the-key'))
        .status,
    ).toBe(401);
    const wrongAudience = await fetch(`${service.endpoint}/api/v1/hubs/telemetry`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await token(`${service.endpoint}/api/v1/hubs/chat`)}` },
      body: '{"target":"x","arguments":[]}',
    });
    expect(wrongAudience.status).toBe(401);
    expect((await rest('POST', '/api/v1/hubs/telemetry', { target: 42 })).status).toBe(400);
  });

  it('mints client tokens through POST /api/hubs/{hub}/:generateToken for app servers only', async () => {
    const path = '/api/hubs/users/:generateToken';
    const minted = await rest(
      'POST',
      `${path}?api-version=2024-12-01&userId=ada&minutesToExpire=5`,
    );
    expect(minted.status).toBe(200);
    const { token: clientToken } = (await minted.json()) as { token: string };
    const claims = JSON.parse(Buffer.from(clientToken.split('.')[1] ?? '', 'base64url').toString());
    expect(claims).toMatchObject({ aud: `${service.endpoint}/client/?hub=users`, nameid: 'ada' });
    expect(claims.exp - claims.iat).toBe(300);
    // The minted token is what a client connects with; user sends then reach it.
    const url = `${service.endpoint}/client/?hub=users`;
    const ada = new HubConnectionBuilder()
      .withUrl(url, { accessTokenFactory: () => clientToken })
      .configureLogging(LogLevel.None)
      .build();
    connections.push(ada);
    const calls = received(ada, 'hello');
    await ada.start();
    expect(
      (await rest('POST', '/api/v1/hubs/users/users/ada', { target: 'hello', arguments: [1] }))
        .status,
    ).toBe(202);
    await eventually(() => expect(calls).toEqual([[1]]));
    // Not without the app server's own token.
    expect((await rest('POST', path, undefined, 'wrong-key')).status).toBe(401);
  });

  it('keeps connections alive with pings and disconnects a serverless client that sends', async () => {
    const listener = client('telemetry');
    await listener.start();
    await new Promise((resolve) => setTimeout(resolve, 500)); // several ping intervals
    expect(listener.state).toBe(HubConnectionState.Connected);
    const closed = new Promise<Error | undefined>((resolve) => listener.onclose(resolve));
    await listener.send('sendToAll', 'hello').catch(() => undefined);
    await closed;
    expect(listener.state).toBe(HubConnectionState.Disconnected);
  });

  it('lets clients reconnect after the service drops every connection', async () => {
    const listener = client('telemetry');
    const got = received(listener, 'deviceState');
    await listener.start();
    const reconnected = new Promise<void>((resolve) => listener.onreconnected(() => resolve()));
    service.dropAllConnections();
    await reconnected;
    await rest('POST', '/api/v1/hubs/telemetry', { target: 'deviceState', arguments: ['after'] });
    await eventually(() => expect(got).toEqual([['after']]));
  });
});
