import { type HubConnection, HubConnectionBuilder, LogLevel } from '@microsoft/signalr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../bench/benchmark';
import type { OutboxEntry } from '../../functions/src/encounters/smsOutbox';
import { type LocalStack, startLocalStack } from '../../local/localStack';
import { simulateUsers } from '../../local/simulator/userSimulator';

let stack: LocalStack;
const connections: HubConnection[] = [];
beforeAll(async () => {
  stack = await startLocalStack({ log: () => undefined });
});
afterAll(async () => {
  await Promise.all(connections.map((c) => c.stop()));
  await stack?.stop();
});

const api = (path: string, init: RequestInit & { key?: string } = {}) =>
  fetch(`${stack.endpoints.apiBaseUrl}/${path}`, {
    ...init,
    headers: {
      'content-type': 'application/json',
      ...(init.key ? { 'x-functions-key': init.key } : {}),
    },
  });

async function connect(
  url: string,
  headers: Record<string, string> = {},
): Promise<Map<string, unknown[]>> {
  const received = new Map<string, unknown[]>();
  const connection = new HubConnectionBuilder()
    .withUrl(url, { headers })
    .configureLogging(LogLevel.None)
    .build();
  for (const target of ['encounterMatch', 'encounterMatched'])
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
  it('goes from the users API through the scheduler, queue and matcher to the outbox and the user’s own connection', async () => {
    const { functionKey, masterKey } = stack.endpoints.functions;
    expect((await api('users/ada', { method: 'PUT', body: '{}' })).status).toBe(401);
    await simulateUsers({
      apiBaseUrl: stack.endpoints.apiBaseUrl,
      functionKey,
      users: 12,
      moveEveryMs: 0,
      random: seededRandom(3),
    });
    for (const [username, lat] of [
      ['ada', 52.2053],
      ['bob', 52.2058],
    ] as const) {
      const writes = [
        api(`users/${username}`, {
          method: 'PUT',
          key: functionKey,
          body: JSON.stringify({
            screenName: username,
            phone: '+447700900111',
            interests: ['kites', 'origami'],
          }),
        }),
      ];
      for (const response of await Promise.all(writes)) expect(response.status).toBe(200);
      for (const [path, body] of [
        ['location', { lat, lng: 0.1218 }],
        ['encounter', { enabled: true, radiusMeters: 1000 }],
      ] as const) {
        const response = await api(`users/${username}/${path}`, {
          method: 'PUT',
          key: functionKey,
          body: JSON.stringify(body),
        });
        expect(response.status).toBe(200);
      }
    }
    // Ada's app: a connection negotiated for her user id. The dashboard: an anonymous one.
    const ada = await connect(`${stack.endpoints.apiBaseUrl}/users/ada`, {
      'x-functions-key': functionKey,
    });
    const dashboard = await connect(stack.endpoints.apiBaseUrl);

    const run = await fetch(`${stack.host.baseUrl}/admin/functions/encounterScheduler`, {
      method: 'POST',
      headers: { 'x-functions-key': masterKey, 'content-type': 'application/json' },
      body: JSON.stringify({ input: '' }),
    });
    expect(run.status).toBe(202);

    const outbox = await until(
      async () =>
        (await (await api('sms/outbox?limit=100', { key: masterKey })).json()) as OutboxEntry[],
      (entries) => entries.length >= 8 && entries.some((e) => e.username === 'ada'),
    );
    expect(outbox.find((e) => e.username === 'ada')?.body).toBe(
      "ada, we've found matches for you: @bob!",
    );
    expect(new Set(outbox.map((e) => e.username)).size).toBe(outbox.length);
    expect((await api('sms/outbox', { key: functionKey })).status).toBe(401);

    await until(
      async () => ada.get('encounterMatch'),
      (calls) => calls !== undefined,
      5000,
    );
    expect(ada.get('encounterMatch')).toEqual([
      {
        window: expect.any(Number),
        matches: [expect.objectContaining({ username: 'bob', sharedInterests: 2 })],
      },
    ]);
    // The user-targeted message reaches Ada's connection only; dashboards get the summary.
    expect(dashboard.get('encounterMatch')).toBeUndefined();
    // Once the queue has drained, every notification is in the outbox and reached dashboards once.
    const settled = await until(
      async () => {
        const [entries, rows] = await Promise.all([
          (await api('sms/outbox?limit=100', { key: masterKey })).json() as Promise<OutboxEntry[]>,
          (await api('encounters/recent?limit=100')).json() as Promise<
            { user: string; sms: string }[]
          >,
        ]);
        return { entries, rows, live: dashboard.get('encounterMatched')?.length ?? 0 };
      },
      ({ entries, rows, live }) => entries.length === rows.length && live === rows.length,
    );
    expect(settled.live).toBe(settled.rows.length);
    expect(settled.entries).toHaveLength(settled.rows.length);
    expect(settled.rows.find((row) => row.user === 'ada')).toMatchObject({ sms: 'outbox' });
  });
});
