import { describe, expect, it } from 'vitest';
import type { Alarm } from '../../../functions/src/fleet/alarmRows';
import type { Caller } from '../../../functions/src/identity/caller';
import { useAzurite } from '../../support/azuriteFixture';
import {
  broadcastItems,
  createTestFunctionApp,
  deviceEvent,
  testOperator,
} from '../../support/testFunctionApp';

const azurite = useAzurite();
const app = () => createTestFunctionApp(azurite().connectionString);
const viewer: Caller = { ...testOperator, subject: 'viewer', roles: new Set(['Fleet.Read']) };

type FleetApp = ReturnType<typeof app>;

const putRule = (fnApp: FleetApp, ruleId: string, rule: unknown, caller: Caller = testOperator) =>
  fnApp.http('putAlarmRule', {
    method: 'PUT',
    path: `alarm-rules/${ruleId}`,
    params: { ruleId },
    body: rule,
    caller,
  });

// Tests share one storage account: each looks at its own devices' alarms.
const alarms = async (fnApp: FleetApp, deviceId: string, state = 'all') =>
  (
    await fnApp.http('listAlarms', {
      path: 'alarms',
      url: `http://localhost/api/alarms?state=${state}&deviceId=${deviceId}`,
    })
  ).body as Alarm[];

const alarmMessages = (sent: Awaited<ReturnType<FleetApp['ingest']>>) =>
  broadcastItems<{ state: string; deviceId: string }>(sent, 'alarm');

describe('alarm rules', () => {
  it('are validated like the dashboard does, listed, replaced and deleted; writes need Fleet.Operate', async () => {
    const fnApp = app();
    const bad = await putRule(fnApp, 'Bad Id', {
      metric: 'noise',
      op: '=>',
      threshold: 'x',
      scope: {},
    });
    expect(bad.status).toBe(400);
    const message = (bad.body as { error: { message: string } }).error.message;
    for (const field of ['ruleId', 'metric', 'op', 'threshold', 'scope'])
      expect(message).toContain(field);

    const rule = {
      metric: 'temperature',
      op: '>',
      threshold: 22,
      forSeconds: 0,
      scope: { fleet: true },
      severity: 'warning',
      description: 'warm',
    };
    expect((await putRule(fnApp, 'warm', rule, viewer)).status).toBe(403);
    expect((await putRule(fnApp, 'warm', rule, null as unknown as Caller)).status).toBe(401);
    expect((await putRule(fnApp, 'warm', rule)).status).toBe(200);
    expect((await putRule(fnApp, 'warm', { ...rule, threshold: 25 })).status).toBe(200);
    const listed = await fnApp.http('listAlarmRules', { path: 'alarm-rules', caller: viewer });
    expect(listed.body).toEqual([{ ...rule, threshold: 25, ruleId: 'warm', kind: 'threshold' }]);
    const del = (caller: Caller) =>
      fnApp.http('deleteAlarmRule', {
        method: 'DELETE',
        path: 'alarm-rules/warm',
        params: { ruleId: 'warm' },
        caller,
      });
    expect((await del(viewer)).status).toBe(403);
    expect((await del(testOperator)).status).toBe(204);
    expect((await del(testOperator)).status).toBe(404);
  });
});

describe('alarm lifecycle', () => {
  it('raises above the threshold (not at it), acknowledges once by an operator, clears when fine, and tells dashboards each time', async () => {
    const fnApp = app();
    await putRule(fnApp, 'hot', {
      metric: 'temperature',
      op: '>',
      threshold: 22,
      scope: { fleet: true },
      severity: 'critical',
      description: 'hot',
    });
    expect(alarmMessages(await fnApp.ingest([deviceEvent('t1', { temperature: 22 })]))).toEqual([]);
    const raised = alarmMessages(
      await fnApp.ingest([
        deviceEvent('t1', { temperature: 22.5 }),
        deviceEvent('t1', { temperature: 24 }),
      ]),
    );
    expect(raised).toEqual([
      expect.objectContaining({
        state: 'active',
        deviceId: 't1',
        value: 22.5,
        ruleId: 'hot',
        severity: 'critical',
      }),
    ]);
    expect(alarmMessages(await fnApp.ingest([deviceEvent('t1', { temperature: 30 })]))).toEqual([]);
    const [active] = await alarms(fnApp, 't1', 'active');
    expect(active).toMatchObject({
      deviceId: 't1',
      state: 'active',
      raisedValue: 22.5,
      acknowledgedBy: null,
      acknowledgedBySubject: null,
    });

    const ack = (caller: Caller) =>
      fnApp.http('acknowledgeAlarm', {
        method: 'POST',
        path: `alarms/${active?.alarmId}/ack`,
        params: { alarmId: active?.alarmId ?? '' },
        caller,
      });
    expect((await ack(viewer)).status).toBe(403);
    const acked = await ack({ ...testOperator, name: 'Olga Operator' });
    // The display name for people, and the token's subject (issuer#sub), which cannot be renamed.
    const subject = `${testOperator.issuer}#${testOperator.subject}`;
    expect(acked.body).toMatchObject({
      state: 'acknowledged',
      acknowledgedBy: 'Olga Operator',
      acknowledgedBySubject: subject,
    });
    expect((await ack(testOperator)).body).toMatchObject({
      acknowledgedBy: 'Olga Operator',
      acknowledgedBySubject: subject,
    });
    expect(await alarms(fnApp, 't1')).toEqual([
      expect.objectContaining({ acknowledgedBy: 'Olga Operator', acknowledgedBySubject: subject }),
    ]);
    const missing = await fnApp.http('acknowledgeAlarm', {
      method: 'POST',
      path: 'alarms/0-1-x/ack',
      params: { alarmId: '0-1-x' },
    });
    expect(missing.status).toBe(404);

    const cleared = alarmMessages(await fnApp.ingest([deviceEvent('t1', { temperature: 21 })]));
    expect(cleared).toEqual([expect.objectContaining({ state: 'cleared', value: 21 })]);
    expect(await alarms(fnApp, 't1', 'active')).toEqual([]);
    expect(await alarms(fnApp, 't1')).toEqual([
      expect.objectContaining({
        state: 'cleared',
        clearedValue: 21,
        acknowledgedBy: 'Olga Operator',
      }),
    ]);
    // Fleet-wide: the other tests' devices must not meet it.
    await fnApp.http('deleteAlarmRule', {
      method: 'DELETE',
      path: 'alarm-rules/hot',
      params: { ruleId: 'hot' },
    });
  });

  it('waits forSeconds of readings by their hub time: just short raises nothing, just met raises', async () => {
    const fnApp = app();
    await putRule(fnApp, 'slow', {
      metric: 'humidity',
      op: '>=',
      threshold: 80,
      forSeconds: 60,
      scope: { deviceId: 'h1' },
    });
    const start = Date.now() - 600_000;
    const at = (s: number) => ({ enqueuedTime: new Date(start + s * 1000) });
    await fnApp.ingest([
      deviceEvent('h1', { humidity: 80 }, at(0)),
      deviceEvent('h1', { humidity: 85 }, at(59)),
    ]);
    expect(await alarms(fnApp, 'h1')).toEqual([]);
    const met = alarmMessages(await fnApp.ingest([deviceEvent('h1', { humidity: 81 }, at(60))]));
    expect(met).toEqual([expect.objectContaining({ state: 'active', deviceId: 'h1' })]);
  });

  it('raises nothing twice when a batch is delivered again', async () => {
    const fnApp = app();
    await putRule(fnApp, 'replayed', {
      metric: 'temperature',
      op: '>',
      threshold: 22,
      scope: { deviceId: 'r1' },
    });
    const batch = [
      deviceEvent('r1', { temperature: 25 }),
      deviceEvent('r1', { temperature: 18 }),
      deviceEvent('r1', { temperature: 26 }),
    ];
    const first = alarmMessages(await fnApp.ingest(batch));
    expect(first.map((m) => m.state)).toEqual(['active', 'cleared', 'active']);
    expect(alarmMessages(await fnApp.ingest(batch))).toEqual([]);
    expect((await alarms(fnApp, 'r1')).map((a) => a.state).sort()).toEqual(['active', 'cleared']);
  });
});

describe('device groups', () => {
  it('tags devices (Fleet.Operate, at most 20), filters the device list, and scopes rules', async () => {
    const fnApp = app();
    const tag = (deviceId: string, tags: unknown, caller: Caller = testOperator) =>
      fnApp.http('putDeviceTags', {
        method: 'PUT',
        path: `devices/${deviceId}/tags`,
        params: { id: deviceId },
        body: { tags },
        caller,
      });
    expect((await tag('g1', ['cold-room'], viewer)).status).toBe(403);
    expect(
      (
        await tag(
          'g1',
          Array.from({ length: 21 }, (_, i) => `t${i}`),
        )
      ).status,
    ).toBe(400);
    expect((await tag('g1', ['bad tag'])).status).toBe(400);
    expect((await tag('g1', ['cold-room', 'site:berlin', 'cold-room'])).body).toEqual({
      deviceId: 'g1',
      tags: ['cold-room', 'site:berlin'],
    });
    await putRule(fnApp, 'freezer', {
      metric: 'temperature',
      op: '>',
      threshold: -10,
      scope: { tag: 'cold-room' },
    });
    const sent = alarmMessages(
      await fnApp.ingest([
        deviceEvent('g1', { temperature: -2 }),
        deviceEvent('g2', { temperature: -2 }),
      ]),
    );
    expect(sent).toEqual([expect.objectContaining({ deviceId: 'g1', state: 'active' })]);
    const filtered = await fnApp.http('listDevices', {
      path: 'devices?tag=cold-room',
      url: 'http://localhost/api/devices?tag=cold-room',
    });
    expect(
      (filtered.body as { deviceId: string; tags: string[] }[]).map((d) => [d.deviceId, d.tags]),
    ).toEqual([['g1', ['cold-room', 'site:berlin']]]);
  });
});

describe('offline alarms', () => {
  it('are raised by the timer for a device silent for afterSeconds, and cleared once it sends again', async () => {
    const fnApp = app();
    for (const deviceId of ['quiet', 'chatty'])
      await fnApp.http('putDeviceTags', {
        method: 'PUT',
        path: 'x',
        params: { id: deviceId },
        body: { tags: ['watched'] },
      });
    await putRule(fnApp, 'silent', {
      kind: 'offline',
      afterSeconds: 120,
      scope: { tag: 'watched' },
      severity: 'warning',
    });
    await fnApp.ingest([
      deviceEvent('quiet', { temperature: 20 }, { enqueuedTime: new Date(Date.now() - 300_000) }),
      deviceEvent('chatty', { temperature: 20 }, { enqueuedTime: new Date() }),
    ]);
    await fnApp.timer('offlineAlarms');
    expect(await alarms(fnApp, 'quiet', 'active')).toEqual([
      expect.objectContaining({ deviceId: 'quiet', ruleId: 'silent', state: 'active' }),
    ]);
    expect(await alarms(fnApp, 'chatty')).toEqual([]);
    await fnApp.timer('offlineAlarms');
    expect(await alarms(fnApp, 'quiet')).toHaveLength(1);
    await fnApp.ingest([deviceEvent('quiet', { temperature: 20 }, { enqueuedTime: new Date() })]);
    await fnApp.timer('offlineAlarms');
    expect(await alarms(fnApp, 'quiet', 'active')).toEqual([]);
    expect(await alarms(fnApp, 'quiet')).toEqual([
      expect.objectContaining({ deviceId: 'quiet', state: 'cleared' }),
    ]);
  });
});

describe('history', () => {
  it('returns exact buckets across a bucket and a day boundary, from kept and finished hours, and exports them as CSV', async () => {
    const fnApp = app();
    const midnight = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 86_400_000;
    const at = (ms: number) => ({ enqueuedTime: new Date(midnight + ms) });
    const minute = 60_000;
    await fnApp.ingest([
      deviceEvent('hist', { temperature: 10, humidity: 50 }, at(-2 * minute)),
      deviceEvent('hist', { temperature: 12 }, at(-30_000)),
      deviceEvent('hist', { temperature: 20, humidity: 40 }, at(10_000)),
      deviceEvent('hist', { temperature: 22 }, at(5 * minute - 1000)),
      deviceEvent('hist', { temperature: 30 }, at(5 * minute)),
    ]);
    const query = `from=${new Date(midnight - 3_600_000).toISOString()}&to=${new Date(midnight + 3_600_000).toISOString()}&interval=5m`;
    const history = async () =>
      (
        await fnApp.http('getDeviceHistory', {
          path: 'x',
          params: { id: 'hist' },
          url: `http://localhost/api/devices/hist/history?${query}`,
          caller: viewer,
        })
      ).body as {
        buckets: {
          t: string;
          metrics: Record<string, { count: number; min: number; max: number; avg: number }>;
        }[];
      };
    const expected = [
      {
        t: new Date(midnight - 5 * minute).toISOString(),
        metrics: {
          temperature: { count: 2, min: 10, max: 12, avg: 11 },
          humidity: { count: 1, min: 50, max: 50, avg: 50 },
        },
      },
      {
        t: new Date(midnight).toISOString(),
        metrics: {
          temperature: { count: 2, min: 20, max: 22, avg: 21 },
          humidity: { count: 1, min: 40, max: 40, avg: 40 },
        },
      },
      {
        t: new Date(midnight + 5 * minute).toISOString(),
        metrics: { temperature: { count: 1, min: 30, max: 30, avg: 30 } },
      },
    ];
    expect((await history()).buckets).toEqual(expected);
    // Three hours on, both hours are finished and kept as rows of their own: the same answer.
    await fnApp.ingest([deviceEvent('hist', { temperature: 1 }, at(3 * 3_600_000))]);
    expect((await history()).buckets).toEqual(expected);

    const csv = await fnApp.http('exportDeviceHistory', {
      path: 'x',
      params: { id: 'hist' },
      url: `http://localhost/api/devices/hist/history.csv?${query}`,
      caller: viewer,
    });
    expect(csv.status).toBe(200);
    expect(csv.headers?.get('content-type')).toBe('text/csv; charset=utf-8');
    const rows = (csv.text ?? '').trim().split('\n');
    expect(rows[0]).toBe(
      'bucket_start,temperature_count,temperature_min,temperature_max,temperature_avg,humidity_count,humidity_min,humidity_max,humidity_avg,pressure_count,pressure_min,pressure_max,pressure_avg,light_count,light_min,light_max,light_avg',
    );
    expect(rows.slice(1)).toEqual([
      `${expected[0]?.t},2,10,12,11,1,50,50,50,,,,,,,,`,
      `${expected[1]?.t},2,20,22,21,1,40,40,40,,,,,,,,`,
      `${expected[2]?.t},1,30,30,30,,,,,,,,,,,,`,
    ]);

    const bad = (q: string) =>
      fnApp.http('getDeviceHistory', {
        path: 'x',
        params: { id: 'hist' },
        url: `http://localhost/api/devices/hist/history?${q}`,
      });
    expect((await bad('interval=2m')).status).toBe(400);
    // A range reaching past the retention starts where it does; one wholly older is refused, and
    // so, before any query, is one longer than the retention or ending in the future (JSON and CSV).
    const days = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString();
    const long = await bad(`from=${days(40)}&to=${days(20)}`);
    expect(long.status).toBe(200);
    const exported = (q: string) =>
      fnApp.http('exportDeviceHistory', {
        path: 'x',
        params: { id: 'hist' },
        url: `http://localhost/api/devices/hist/history.csv?${q}`,
      });
    for (const send of [bad, exported]) {
      const span = await send(`from=${days(40)}`);
      expect(span.status).toBe(400);
      expect(span.body).toEqual({
        error: {
          code: 'validation_failed',
          message: expect.stringMatching(/^a range spans at most 30 days, the history retention/),
        },
      });
      const future = await send('to=8640000000000000');
      expect(future.status).toBe(400);
      expect((future.body as { error: { message: string } }).error.message).toMatch(
        /^to may be at most 5 minutes after now/,
      );
    }
    expect(Date.parse((long.body as { from: string }).from)).toBeGreaterThan(
      Date.now() - 30 * 86_400_000 - 60_000,
    );
    const old = new Date(Date.now() - 40 * 86_400_000).toISOString();
    const older = new Date(Date.now() - 35 * 86_400_000).toISOString();
    expect((await bad(`from=${old}&to=${older}`)).status).toBe(400);
    expect((await bad('from=2026-12-01T10:00:00Z&to=2026-12-01T09:00:00Z')).status).toBe(400);
  });
});
