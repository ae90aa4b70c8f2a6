import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { describe, expect, it } from 'vitest';
import type { DeviceState } from '../../../functions/src/telemetry/deviceState';
import type { Rejection } from '../../../functions/src/telemetry/rejection';
import { useAzurite } from '../../support/azuriteFixture';
import { createTestFunctionApp, deviceEvent } from '../../support/testFunctionApp';

const azurite = useAzurite();
const app = () => createTestFunctionApp(azurite().connectionString);

function expectError(response: { status: number; body: unknown }, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.body).toEqual({ error: { code, message: expect.any(String) } });
}

describe('device API', () => {
  it('lists every device across partitions and continuation pages, with bounded history', async () => {
    const fnApp = app();
    const deviceIds = Array.from(
      { length: 1_020 },
      (_, i) => `fleet-${String(i).padStart(4, '0')}`,
    );
    for (let i = 0; i < deviceIds.length; i += 100) {
      const batch = deviceIds
        .slice(i, i + 100)
        .flatMap((id) => [
          deviceEvent(id, { temperature: 20 }),
          deviceEvent(id, { temperature: 21 }),
        ]);
      await fnApp.ingest(batch, String(i % 4));
    }
    const all = await fnApp.http('listDevices', { path: 'devices?history=1' });
    expect(all.status).toBe(200);
    const states = all.body as DeviceState[];
    expect(states.map((state) => state.deviceId)).toEqual(deviceIds);
    expect(states.every((state) => state.count === 2 && state.history.length === 1)).toBe(true);

    const none = await fnApp.http('listDevices', { path: 'devices?history=0' });
    expect((none.body as DeviceState[])[0]?.history).toEqual([]);
    expectError(
      await fnApp.http('listDevices', { path: 'devices?history=lots' }),
      400,
      'validation_failed',
    );
  });

  it('returns one device with its whole history, and 404 or 400 otherwise', async () => {
    const fnApp = app();
    const deviceId = "odd#id?with'quotes";
    await fnApp.ingest([
      deviceEvent(deviceId, { pressure: 1000 }),
      deviceEvent(deviceId, { pressure: 1001 }),
    ]);
    const found = await fnApp.http('getDevice', { path: 'devices/x', params: { id: deviceId } });
    expect(found.status).toBe(200);
    expect(found.body).toMatchObject({
      deviceId,
      pressure: 1001,
      count: 2,
      history: [{ pressure: 1000 }, { pressure: 1001 }],
    });

    expectError(
      await fnApp.http('getDevice', { path: 'devices/nobody', params: { id: 'nobody' } }),
      404,
      'not_found',
    );
    expectError(
      await fnApp.http('getDevice', { path: 'devices/x', params: { id: 'has space' } }),
      400,
      'validation_failed',
    );
  });

  it('validates calibration bodies with JSON errors', async () => {
    const fnApp = app();
    const put = (body: unknown, id = 'cal-1') =>
      fnApp.http('putCalibration', {
        method: 'PUT',
        path: `devices/${id}/calibration`,
        params: { id },
        body,
      });
    expectError(await put('{"temperature":'), 400, 'invalid_json');
    expectError(await put(''), 400, 'invalid_json');
    expectError(await put({ temperature: { slope: 'x', intercept: 0 } }), 400, 'validation_failed');
    expectError(
      await put({ temperature: { slope: 1, intercept: 0 } }, 'bad/id'),
      400,
      'validation_failed',
    );
    expectError(await put({ note: 'x'.repeat(20_000) }), 413, 'payload_too_large');
    const ok = await put({ humidity: { slope: 1.1, intercept: -2 } });
    expect(ok).toEqual({
      status: 200,
      body: { deviceId: 'cal-1', calibration: { humidity: { slope: 1.1, intercept: -2 } } },
    });
  });

  it('lists rejections newest first, per device or for the fleet, and validates its query', async () => {
    const fnApp = app();
    await fnApp.ingest([
      deviceEvent('rej-a', { temperature: 500 }),
      deviceEvent('rej-b', 'oops'),
      deviceEvent('rej-a', { humidity: 101 }),
    ]);
    const forA = await fnApp.http('listRejections', { path: 'rejections?deviceId=rej-a' });
    expect((forA.body as Rejection[]).map((r) => r.message)).toEqual([
      expect.stringMatching(/^humidity 101/),
      expect.stringMatching(/^temperature 500/),
    ]);
    const fleet = await fnApp.http('listRejections', { path: 'rejections?limit=2' });
    expect((fleet.body as Rejection[]).map((r) => r.deviceId)).toEqual(['rej-a', 'rej-b']);
    expectError(
      await fnApp.http('listRejections', { path: 'rejections?limit=0' }),
      400,
      'validation_failed',
    );
    expectError(
      await fnApp.http('listRejections', { path: 'rejections?deviceId=a%20b' }),
      400,
      'validation_failed',
    );
  });

  it('lists the latest rejections reading about what it returns, however many are kept', async () => {
    let requests = 0;
    let entities = 0;
    const counting: PipelinePolicy = {
      name: 'count-rejection-reads',
      sendRequest: async (request, next) => {
        const response = await next(request);
        if (request.method === 'GET' && new URL(request.url).pathname.includes('/rejections()')) {
          requests++;
          entities +=
            (JSON.parse(response.bodyAsText ?? '{}') as { value?: unknown[] }).value?.length ?? 0;
        }
        return response;
      },
    };
    const fnApp = createTestFunctionApp(azurite().connectionString, {
      tables: { additionalPolicies: [{ policy: counting, position: 'perCall' }] },
    });
    const devices = Array.from({ length: 40 }, (_, i) => `many-${i}-${Date.now().toString(36)}`);
    const events = devices.flatMap((id) =>
      Array.from({ length: 5 }, () => deviceEvent(id, { temperature: 900 })),
    );
    for (let i = 0; i < events.length; i += 100) await fnApp.ingest(events.slice(i, i + 100));
    requests = 0;
    entities = 0;
    const fleet = await fnApp.http('listRejections', { path: 'rejections?limit=10' });
    const newest = [...events].reverse().slice(0, 10);
    expect((fleet.body as Rejection[]).map((r) => r.sequenceNumber)).toEqual(
      newest.map((e) => e.sequenceNumber),
    );
    // A day's four fleet shards, each asked for at most ten: 200 kept, at most 40 read (80 and
    // two days' shards when the run straddles midnight UTC).
    expect(requests).toBeLessThanOrEqual(8);
    expect(entities).toBeLessThanOrEqual(80);
    requests = 0;
    entities = 0;
    const one = await fnApp.http('listRejections', {
      path: `rejections?deviceId=${devices[7]}&limit=3`,
    });
    expect((one.body as Rejection[]).map((r) => r.deviceId)).toEqual(Array(3).fill(devices[7]));
    expect({ requests, entities }).toEqual({ requests: 1, entities: 3 });
  });
});
