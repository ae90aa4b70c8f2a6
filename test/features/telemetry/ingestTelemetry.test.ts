import { createHttpHeaders, type PipelinePolicy } from '@azure/core-rest-pipeline';
import { describe, expect, it } from 'vitest';
import { startTcpProxy } from '../../../dev/network/tcpProxy';
import type { DeadLetter } from '../../../functions/src/storage/deadLetterStore';
import type { DeviceState } from '../../../functions/src/telemetry/deviceState';
import type { Rejection } from '../../../functions/src/telemetry/rejection';
import type { DeviceStateUpdate } from '../../../functions/src/telemetry/telemetryIngestor';
import { useAzurite } from '../../support/azuriteFixture';
import { broadcastItems, createTestFunctionApp, deviceEvent } from '../../support/testFunctionApp';

const azurite = useAzurite();
const app = () => createTestFunctionApp(azurite().connectionString);
let unique = 0;
const newDevice = (label: string) => `${label}-${++unique}-${Date.now().toString(36)}`;

async function getDevice(fnApp: ReturnType<typeof app>, deviceId: string): Promise<DeviceState> {
  const response = await fnApp.http('getDevice', {
    path: `devices/${deviceId}`,
    params: { id: deviceId },
  });
  expect(response.status).toBe(200);
  return response.body as DeviceState;
}

describe('ingestTelemetry', () => {
  it('stores a device state and broadcasts a new device on its first reading', async () => {
    const fnApp = app();
    const deviceId = newDevice('first');
    const messages = await fnApp.ingest([
      deviceEvent(deviceId, { temperature: 21.5, humidity: 40, pressure: 1012, light: 300 }),
    ]);

    expect(messages).toHaveLength(1);
    expect(messages[0]?.target).toBe('deviceState');
    const updates = broadcastItems<DeviceStateUpdate>(messages, 'deviceState');
    expect(updates).toEqual([
      expect.objectContaining({
        deviceId,
        temperature: 21.5,
        humidity: 40,
        pressure: 1012,
        light: 300,
        count: 1,
        rejected: 0,
      }),
    ]);
    expect(updates[0]?.history).toHaveLength(1);
    const state = await getDevice(fnApp, deviceId);
    expect(state).toMatchObject({
      deviceId,
      temperature: 21.5,
      count: 1,
      rejected: 0,
      lastSeen: expect.any(String),
    });
  });

  it('takes the device id from the hub, never from the body, and reads the seed and Pi simulator spellings', async () => {
    const fnApp = app();
    const deviceId = newDevice('spellings');
    await fnApp.ingest([
      deviceEvent(deviceId, { deviceId: 'spoofed', Celsius: 18, Humidity: 55, hPa: 990 }),
      deviceEvent(deviceId, {
        messageId: 7,
        deviceId: 'Raspberry Pi Web Client',
        temperature: 19.25,
        humidity: 60.5,
      }),
    ]);
    const state = await getDevice(fnApp, deviceId);
    expect(state).toMatchObject({ temperature: 19.25, humidity: 60.5, pressure: 990, count: 2 });
    const spoofed = await fnApp.http('getDevice', {
      path: 'devices/spoofed',
      params: { id: 'spoofed' },
    });
    expect(spoofed.status).toBe(404);
  });

  it('treats 0.0 °C and negative values as readings', async () => {
    const fnApp = app();
    const deviceId = newDevice('zero');
    await fnApp.ingest([deviceEvent(deviceId, { temperature: 0.0, humidity: 0, light: 0 })]);
    expect(await getDevice(fnApp, deviceId)).toMatchObject({
      temperature: 0,
      humidity: 0,
      light: 0,
      count: 1,
      rejected: 0,
    });
    await fnApp.ingest([deviceEvent(deviceId, { temperature: -12.5 })]);
    expect(await getDevice(fnApp, deviceId)).toMatchObject({
      temperature: -12.5,
      humidity: 0,
      count: 2,
    });
  });

  it('coalesces a batch per device and applies a redelivered batch only once', async () => {
    const fnApp = app();
    const deviceId = newDevice('replay');
    const batch = [1, 2, 3].map((n) => deviceEvent(deviceId, { temperature: 20 + n }));
    const first = await fnApp.ingest(batch);
    const replayed = await fnApp.ingest(batch);
    const state = await getDevice(fnApp, deviceId);
    expect(state.count).toBe(3);
    expect(state.history.map((point) => point.temperature)).toEqual([21, 22, 23]);
    // The replay re-sends the same readings, so a dashboard that missed the first broadcast catches up.
    expect(replayed).toEqual(first);

    // A fresh process (cold cache) must not double-count either.
    await createTestFunctionApp(azurite().connectionString).ingest(batch);
    expect((await getDevice(fnApp, deviceId)).count).toBe(3);
  });

  it('ends with exact counts when many invocations update the same devices at once', async () => {
    const devices = Array.from({ length: 5 }, () => newDevice('busy'));
    // Separate app instances share nothing but storage, like scaled-out Function hosts.
    const instances = Array.from({ length: 4 }, () => app());
    const batches = instances.flatMap((_, instance) =>
      Array.from({ length: 5 }, (_, round) =>
        devices.map((deviceId, d) => deviceEvent(deviceId, { temperature: instance + round + d })),
      ).map((batch, round) => ({ instance, batch, partition: String(instance * 10 + round) })),
    );
    await Promise.all(
      batches.map(({ instance, batch, partition }) =>
        instances[instance]?.ingest(batch, partition),
      ),
    );
    // Every device got one reading from each of 20 batches, each batch on its own partition.
    for (const deviceId of devices)
      expect((await getDevice(instances[0] ?? app(), deviceId)).count).toBe(20);

    // Redelivering all of them at once, each to a different instance, changes nothing.
    await Promise.all(
      batches.map(({ instance, batch, partition }) =>
        instances[(instance + 1) % instances.length]?.ingest(batch, partition),
      ),
    );
    for (const deviceId of devices)
      expect((await getDevice(instances[0] ?? app(), deviceId)).count).toBe(20);
  });

  it('calibrates per device, then validates with inclusive bounds', async () => {
    const fnApp = createTestFunctionApp(azurite().connectionString, {
      env: { CALIBRATION_CACHE_SECONDS: '0' },
    });
    const deviceId = newDevice('calibrated');
    const put = await fnApp.http('putCalibration', {
      method: 'PUT',
      path: `devices/${deviceId}/calibration`,
      params: { id: deviceId },
      body: { temperature: { slope: 2, intercept: -40 }, pressure: { slope: 1, intercept: 100 } },
    });
    expect(put.status).toBe(200);

    await fnApp.ingest([
      deviceEvent(deviceId, { temperature: 60 }), // 2*60-40 = 80: on the upper bound, kept
      deviceEvent(deviceId, { temperature: 0 }), // -40: on the lower bound, kept
      deviceEvent(deviceId, { temperature: 60.01 }), // 80.02: out of range
      deviceEvent(deviceId, { pressure: 500 }), // 600 after calibration: kept
      deviceEvent(deviceId, { pressure: 1500.5 }), // 1600.5: out of range
      deviceEvent(deviceId, { humidity: 100 }),
      deviceEvent(deviceId, { humidity: -0.01 }),
    ]);
    const state = await getDevice(fnApp, deviceId);
    expect(
      state.history.map(({ temperature, pressure, humidity }) => ({
        temperature,
        pressure,
        humidity,
      })),
    ).toEqual([{ temperature: 80 }, { temperature: -40 }, { pressure: 600 }, { humidity: 100 }]);
    expect(state).toMatchObject({ count: 4, rejected: 3 });
  });

  it('uses a cached calibration until it expires, including a cached miss', async () => {
    const reader = app(); // default cache: 300 s
    const writer = app();
    const deviceId = newDevice('cache');
    await reader.ingest([deviceEvent(deviceId, { temperature: 10 })]); // caches "no calibration"
    await writer.http('putCalibration', {
      method: 'PUT',
      path: `devices/${deviceId}/calibration`,
      params: { id: deviceId },
      body: { temperature: { slope: 1, intercept: 5 } },
    });
    await reader.ingest([deviceEvent(deviceId, { temperature: 10 })]); // still the cached miss
    await writer.ingest([deviceEvent(deviceId, { temperature: 10 })]); // the writer dropped its entry
    const uncached = createTestFunctionApp(azurite().connectionString, {
      env: { CALIBRATION_CACHE_SECONDS: '0' },
    });
    await uncached.ingest([deviceEvent(deviceId, { temperature: 10 })]);
    expect((await getDevice(reader, deviceId)).history.map((p) => p.temperature)).toEqual([
      10, 10, 15, 15,
    ]);
  });

  it('rejects every kind of bad input with its reason, keeps it, counts it, and never throws', async () => {
    const fnApp = app();
    const deviceId = newDevice('bad');
    const messages = await fnApp.ingest([
      deviceEvent(deviceId, '{"temperature": 21,'),
      deviceEvent(deviceId, Buffer.from('not json at all')),
      deviceEvent(deviceId, { temperature: '21.5' }),
      deviceEvent(deviceId, [{ temperature: 20 }, 42]),
      deviceEvent(deviceId, { temperature: 81 }),
      deviceEvent(deviceId, { note: 'x'.repeat(70_000) }),
      deviceEvent(
        deviceId,
        Array.from({ length: 101 }, () => ({ temperature: 20 })),
      ),
      deviceEvent(deviceId, { status: 'ok' }),
      deviceEvent(deviceId, null),
      deviceEvent(undefined, { temperature: 20 }),
      deviceEvent(deviceId, JSON.stringify({ temperature: 22 })),
    ]);

    const state = await getDevice(fnApp, deviceId);
    expect(state).toMatchObject({ count: 2, rejected: 9, temperature: 22 });
    const rejected = await fnApp.http('listRejections', {
      path: `rejections?deviceId=${deviceId}`,
    });
    expect(rejected.status).toBe(200);
    const reasons = (rejected.body as Rejection[]).map((r) => r.reason).sort();
    expect(reasons).toEqual(
      [
        'malformed_json',
        'malformed_json',
        'malformed_json',
        'wrong_type',
        'wrong_type',
        'out_of_range',
        'too_large',
        'too_large',
        'no_measurements',
      ].sort(),
    );
    expect(
      (rejected.body as Rejection[]).find((r) => r.reason === 'out_of_range')?.message,
    ).toMatch(/temperature 81/);
    const unknown = await fnApp.http('listRejections', { path: 'rejections?deviceId=(unknown)' });
    expect((unknown.body as Rejection[]).map((r) => r.reason)).toContain('missing_device_id');

    expect(broadcastItems<Rejection>(messages, 'telemetryRejected')).toHaveLength(10);
  });

  it('sets aside a message storage refuses for good, and applies its batch neighbours exactly', async () => {
    const poison = newDevice('poison');
    // Storage answers 400 to any device-state write that carries the poison device, as it does to
    // an entity over its limits: a permanent failure, which retrying would repeat forever.
    const refusing: PipelinePolicy = {
      name: 'refuse-poison',
      sendRequest: async (request, next) => {
        const body = typeof request.body === 'string' ? request.body : '';
        if (body.includes('/devicestate') && body.includes(poison))
          return {
            request,
            status: 400,
            headers: createHttpHeaders({ 'content-type': 'application/json' }),
            bodyAsText: JSON.stringify({
              'odata.error': {
                code: 'PropertyValueTooLarge',
                message: { value: 'The property value exceeds the maximum allowed size (64KB).' },
              },
            }),
          };
        return next(request);
      },
    };
    const fnApp = createTestFunctionApp(azurite().connectionString, {
      tables: { additionalPolicies: [{ policy: refusing, position: 'perCall' }] },
    });
    const [first, second] = [newDevice('beside'), newDevice('beside')];
    const events = [
      deviceEvent(first, { temperature: 1 }),
      deviceEvent(poison, { temperature: 2 }),
      deviceEvent(second, { temperature: 3 }),
      deviceEvent(first, { temperature: 4 }),
    ];
    await fnApp.ingest(events);
    await fnApp.ingest(events); // redelivered: nothing counts twice, the dead letter is the same one
    expect((await getDevice(fnApp, first as string)).count).toBe(2);
    expect((await getDevice(fnApp, second as string)).count).toBe(1);
    const listed = await fnApp.http('listDeadLetters', {
      path: 'deadletters?function=ingestTelemetry&limit=100',
    });
    const letters = (listed.body as DeadLetter[]).filter((letter) => letter.deviceId === poison);
    expect(letters).toEqual([
      expect.objectContaining({
        function: 'ingestTelemetry',
        reason: 'The property value exceeds the maximum allowed size (64KB).',
        source: expect.objectContaining({
          partitionId: '0',
          sequenceNumber: events[1]?.sequenceNumber,
        }),
        body: '{"temperature":2}',
        bodyEncoding: 'text',
      }),
    ]);
    expect(fnApp.logs.some((line) => line.includes(`dead-lettered hub message`))).toBe(true);
  });

  it('does not report success while storage is down, and loses nothing after recovery', async () => {
    const proxy = await startTcpProxy(azurite().tablePort);
    try {
      const viaProxy = azurite().connectionString.replace(
        `TableEndpoint=http://127.0.0.1:${azurite().tablePort}`,
        `TableEndpoint=http://127.0.0.1:${proxy.port}`,
      );
      const fnApp = createTestFunctionApp(viaProxy);
      const deviceId = newDevice('outage');
      await fnApp.ingest([deviceEvent(deviceId, { temperature: 1 })]);

      const batch = [
        deviceEvent(deviceId, { temperature: 2 }),
        deviceEvent(deviceId, { temperature: 3 }),
      ];
      proxy.setDown(true);
      await expect(fnApp.ingest(batch)).rejects.toThrow();
      expect(
        fnApp.logs.some((line) => line.startsWith('error:') && line.includes('will be retried')),
      ).toBe(true);

      proxy.setDown(false);
      await fnApp.ingest(batch); // the retry policy redelivers the same batch
      const state = await getDevice(fnApp, deviceId);
      expect(state.count).toBe(3);
      expect(state.history.map((p) => p.temperature)).toEqual([1, 2, 3]);
    } finally {
      await proxy.close();
    }
  });

  it('broadcasts only the readings a batch added, never the whole history', async () => {
    const fnApp = app();
    const deviceId = newDevice('delta');
    for (let round = 0; round < 3; round++) {
      await fnApp.ingest(
        Array.from({ length: 10 }, (_, n) =>
          deviceEvent(deviceId, { temperature: round * 10 + n }),
        ),
      );
    }
    const updates = broadcastItems<DeviceStateUpdate>(
      await fnApp.ingest([deviceEvent(deviceId, { temperature: 79 })]),
      'deviceState',
    );
    expect(updates[0]?.history).toEqual([expect.objectContaining({ temperature: 79 })]);
    expect(updates[0]?.count).toBe(31);
    expect((await getDevice(fnApp, deviceId)).history).toHaveLength(31);
  });
});
