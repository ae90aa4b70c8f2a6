import { type HubConnection, HubConnectionBuilder, LogLevel } from '@microsoft/signalr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalCloud, startLocalCloud } from '../../../dev/localCloud';
import type { OutboxEntry } from '../../../functions/src/encounters/smsOutbox';
import { sasToken } from '../../../functions/src/hosting';
import { seededRandom } from '../../../harness/random';
import { outboxCodeReader, simulateUsers } from '../../../simulator/userSimulator';
import { clientToken, userToken } from '../../../tools/tokens';

let stack: LocalCloud;
const connections: HubConnection[] = [];
beforeAll(async () => {
  // The scheduler runs only when the test says so: its own timer firing at a minute boundary
  // would queue everyone again for the next window, and the counts below would be off by a window.
  stack = await startLocalCloud({
    log: () => undefined,
    settings: { 'AzureWebJobs.encounterScheduler.Disabled': 'true' },
  });
});
afterAll(async () => {
  await Promise.all(connections.map((c) => c.stop()));
  await stack?.stop();
});

const api = (path: string, init: RequestInit & { token?: string } = {}) =>
  fetch(`${stack.endpoints.apiBaseUrl}/${path}`, {
    ...init,
    headers: {
      'content-type': 'application/json',
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
    },
  });

/** A listening connection through the official client, negotiated with a bearer token. */
async function connect(url: string, token: string): Promise<Map<string, unknown[]>> {
  const received = new Map<string, unknown[]>();
  const connection = new HubConnectionBuilder()
    .withUrl(url, { accessTokenFactory: () => token })
    .configureLogging(LogLevel.None)
    .build();
  for (const target of ['encounterMatch', 'encounterMatched', 'deviceState'])
    connection.on(target, (payload: unknown) =>
      received.set(target, [...(received.get(target) ?? []), payload]),
    );
  await connection.start();
  connections.push(connection);
  return received;
}

async function until<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  ms = 15_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('encounters in the local cloud', () => {
  it('goes from the users API through the scheduler, queue and matcher to the outbox, the user’s own connection, and operators’ counts', async () => {
    const { identity, apiBaseUrl, functions } = stack.endpoints;
    const [manager, admin, operator, alice, bob] = await Promise.all([
      clientToken(identity, 'Users.Manage'),
      clientToken(identity, 'Fleet.Admin'),
      userToken(identity, 'operator'),
      userToken(identity, 'alice'),
      userToken(identity, 'bob'),
    ]);
    expect((await api('users/alice', { method: 'PUT', body: '{}' })).status).toBe(401);
    // A back end with Users.Manage creates the crowd; Alice and Bob sign up themselves.
    await simulateUsers({
      apiBaseUrl,
      accessToken: async () => manager,
      readCode: outboxCodeReader(stack.endpoints.apiBaseUrl, () =>
        clientToken(stack.endpoints.identity, 'Fleet.Admin'),
      ),
      users: 12,
      moveEveryMs: 0,
      random: seededRandom(3),
    });
    for (const [username, token, lat] of [
      ['alice', alice, 52.2053],
      ['bob', bob, 52.2058],
    ] as const) {
      for (const [path, body] of [
        ['', { screenName: username, phone: '+447700900111', interests: ['kites', 'origami'] }],
        ['/location', { lat, lng: 0.1218 }],
        ['/encounter', { enabled: true, radiusMeters: 1000 }],
      ] as const) {
        const response = await api(`users/${username}${path}`, {
          method: 'PUT',
          token,
          body: JSON.stringify(body),
        });
        expect(response.status, await response.clone().text()).toBe(200);
      }
      // The phone is theirs: the code the outbox holds comes back (codes are not match SMS).
      expect(
        (await api(`users/${username}/phone/verification`, { method: 'POST', token })).status,
      ).toBe(200);
      const code = await outboxCodeReader(apiBaseUrl, async () => admin)('+447700900111');
      const verified = await api(`users/${username}/phone/verify`, {
        method: 'POST',
        token,
        body: JSON.stringify({ code }),
      });
      expect(verified.status, await verified.clone().text()).toBe(200);
    }
    // Bob cannot act as Alice, nor listen as her, nor join the operators' hub.
    expect((await api('users/alice/negotiate', { method: 'POST', token: bob })).status).toBe(403);
    expect((await api('negotiate', { method: 'POST', token: alice })).status).toBe(403);
    const aliceInfo = (await (
      await api('users/alice/negotiate', { method: 'POST', token: alice })
    ).json()) as { url: string; accessToken: string };
    // Her client token opens the users' hub only: the service refuses it for the operators' hub.
    const crossHub = await fetch(
      `${stack.signalR.endpoint}/client/negotiate?hub=telemetry&negotiateVersion=1`,
      { method: 'POST', headers: { authorization: `Bearer ${aliceInfo.accessToken}` } },
    );
    expect(crossHub.status).toBe(401);

    // Alice's app: her own connection. The dashboard: an operator's.
    const aliceApp = await connect(`${apiBaseUrl}/users/alice`, alice);
    const dashboard = await connect(apiBaseUrl, operator);

    const run = await fetch(`${stack.host.baseUrl}/admin/functions/encounterScheduler`, {
      method: 'POST',
      headers: { 'x-functions-key': functions.masterKey, 'content-type': 'application/json' },
      body: JSON.stringify({ input: '' }),
    });
    expect(run.status).toBe(202);

    const outbox = await until(
      async () =>
        (
          (await (await api('sms/outbox?limit=1000', { token: admin })).json()) as OutboxEntry[]
        ).filter((entry) => !/code is \d{6}/.test(entry.body)),
      (entries) => entries.length >= 8 && entries.some((e) => e.username === 'alice'),
    );
    expect(outbox.find((e) => e.username === 'alice')?.body).toBe(
      "alice, we've found matches for you: @bob!",
    );
    expect(new Set(outbox.map((e) => e.username)).size).toBe(outbox.length);
    expect((await api('sms/outbox', { token: manager })).status).toBe(403);

    await until(
      async () => aliceApp.get('encounterMatch'),
      (calls) => calls !== undefined,
      5000,
    );
    expect(aliceApp.get('encounterMatch')).toEqual([
      {
        window: expect.any(Number),
        // 55 m apart, reported as "within 250 m".
        matches: [
          expect.objectContaining({ username: 'bob', sharedInterests: 2, distanceMeters: 250 }),
        ],
      },
    ]);
    // The user-targeted message reaches Alice's connection only; dashboards get counts.
    expect(dashboard.get('encounterMatch')).toBeUndefined();
    // Once the queue has drained, every notification is in the outbox and reached dashboards once.
    const settled = await until(
      async () => {
        const [entries, rows] = await Promise.all([
          (
            (await (await api('sms/outbox?limit=1000', { token: admin })).json()) as OutboxEntry[]
          ).filter((entry) => !/code is \d{6}/.test(entry.body)),
          (await api('encounters/recent?limit=100', { token: operator })).json() as Promise<
            { matches: number; sms: string }[]
          >,
        ]);
        return { entries, rows, live: dashboard.get('encounterMatched')?.length ?? 0 };
      },
      ({ entries, rows, live }) => entries.length === rows.length && live === rows.length,
    );
    expect(settled.live).toBe(settled.rows.length);
    expect(settled.entries).toHaveLength(settled.rows.length);
    expect(JSON.stringify([settled.rows, dashboard.get('encounterMatched')])).not.toMatch(
      /alice|bob|walker/,
    );

    // A device reading: operators' dashboards get it; Alice's app, on the users' hub, never.
    const operate = await clientToken(identity, 'Fleet.Operate');
    const device = (await (
      await api('devices', { method: 'POST', token: operate, body: '{"deviceId":"aud-1"}' })
    ).json()) as { primaryKey: string };
    const sas = sasToken({
      resourceUri: `${stack.iotHub.hostName}/devices/aud-1`,
      key: device.primaryKey,
      expiresAt: Math.floor(Date.now() / 1000) + 600,
    });
    const sent = await fetch(`${apiBaseUrl}/devices/aud-1/messages`, {
      method: 'POST',
      headers: { authorization: sas, 'content-type': 'application/json' },
      body: '{"temperature":21}',
    });
    expect(sent.status).toBe(204);
    await until(
      async () => dashboard.get('deviceState'),
      (calls) => calls !== undefined,
    );
    expect(aliceApp.get('deviceState')).toBeUndefined();
    expect(aliceApp.get('encounterMatched')).toBeUndefined();
  });
});
