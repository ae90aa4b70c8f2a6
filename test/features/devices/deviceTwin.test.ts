import { readFile } from 'node:fs/promises';
import {
  Client,
  type DeviceMethodRequest,
  type DeviceMethodResponse,
  type Twin,
} from 'azure-iot-device';
import { Mqtt } from 'azure-iot-device-mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalCloud, startLocalCloud } from '../../../dev/localCloud';
import { clientToken } from '../../../tools/tokens';
import { apiCalls } from '../../support/apiCalls';

// A device script written only against the SDK, and fieldline's API in front of the hub.

let stack: LocalCloud;
let reader: string;
let operator: string;

beforeAll(async () => {
  stack = await startLocalCloud({ log: () => undefined });
  reader = await clientToken(stack.endpoints.identity, 'Fleet.Read');
  operator = await clientToken(stack.endpoints.identity, 'Fleet.Operate');
});
afterAll(async () => {
  await stack?.stop();
});

/** The parts of the API's answers these tests read. */
interface ApiBody {
  connectionString: string;
  connectionState: string;
  properties: { desired: Record<string, unknown>; reported: Record<string, unknown> };
  error: { code: string };
}

const api = apiCalls<ApiBody>(() => stack.endpoints.apiBaseUrl);

async function device(deviceId: string) {
  const registered = await api(operator, 'POST', '/devices', { deviceId });
  expect(registered.status).toBe(201);
  const client = Client.fromConnectionString(registered.body.connectionString, Mqtt);
  await client.setOptions({ ca: await readFile(stack.endpoints.iotHub.caPath, 'utf8') });
  await client.open();
  return client;
}

const report = (twin: Twin, patch: Record<string, unknown>) =>
  new Promise<void>((resolve, reject) =>
    twin.properties.reported.update(patch, (error?: Error) => (error ? reject(error) : resolve())),
  );

describe('device twins through the API', () => {
  it('shows what the device reports, and sends it the desired properties an operator sets', async () => {
    const client = await device('thermostat-1');
    try {
      const twin = await client.getTwin();
      await report(twin, { firmware: '3.1.0' });
      const read = await api(reader, 'GET', '/devices/thermostat-1/twin');
      expect(read.status).toBe(200);
      expect(read.body.properties.reported).toMatchObject({ firmware: '3.1.0' });
      expect(read.body.connectionState).toBe('Connected');

      const heard = new Promise<Record<string, unknown>>((resolve) =>
        twin.on('properties.desired', (desired: Record<string, unknown>) => {
          if (desired.sampleIntervalSeconds === 15) resolve(desired);
        }),
      );
      const patched = await api(operator, 'PATCH', '/devices/thermostat-1/twin/desired', {
        sampleIntervalSeconds: 15,
      });
      expect(patched.status).toBe(200);
      expect(patched.body.properties.desired).toMatchObject({ sampleIntervalSeconds: 15 });
      expect((await heard).sampleIntervalSeconds).toBe(15);
    } finally {
      await client.close();
    }
  });

  it('refuses a viewer’s change, a body that is not an object, and an unknown device', async () => {
    expect(
      (await api(reader, 'PATCH', '/devices/thermostat-1/twin/desired', { a: 1 })).status,
    ).toBe(403);
    const notObject = await api(operator, 'PATCH', '/devices/thermostat-1/twin/desired', [1, 2]);
    expect(notObject).toMatchObject({
      status: 400,
      body: { error: { code: 'validation_failed' } },
    });
    const malformed = await api(operator, 'PATCH', '/devices/thermostat-1/twin/desired', '{"a":');
    expect(malformed).toMatchObject({ status: 400, body: { error: { code: 'invalid_json' } } });
    const unknown = await api(reader, 'GET', '/devices/nobody-here/twin');
    expect(unknown).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
  });
});

describe('commands through the API', () => {
  it('answers with the device’s status and payload', async () => {
    const client = await device('thermostat-2');
    try {
      client.onDeviceMethod(
        'getDiagnostics',
        (request: DeviceMethodRequest, response: DeviceMethodResponse) => {
          response.send(200, { battery: 93, asked: request.payload });
        },
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      const answered = await api(
        operator,
        'POST',
        '/devices/thermostat-2/commands/getDiagnostics',
        {
          payload: { detail: 'full' },
          responseTimeoutInSeconds: 5,
        },
      );
      expect(answered).toEqual({
        status: 200,
        body: { status: 200, payload: { battery: 93, asked: { detail: 'full' } } },
      });
      expect(
        (await api(reader, 'POST', '/devices/thermostat-2/commands/getDiagnostics', {})).status,
      ).toBe(403);
    } finally {
      await client.close();
    }
  });

  it('ends a command the device does not handle within its timeout, with a code', async () => {
    const client = await device('thermostat-5');
    try {
      client.onDeviceMethod(
        'reboot',
        (_request: DeviceMethodRequest, response: DeviceMethodResponse) => {
          response.send(200, null);
        },
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      const started = Date.now();
      const unknown = await api(operator, 'POST', '/devices/thermostat-5/commands/selfDestruct', {
        responseTimeoutInSeconds: 5,
      });
      // The SDK answers no method it has no handler for: the hub's timeout ends it.
      expect(unknown).toMatchObject({ status: 504, body: { error: { code: 'device_timeout' } } });
      expect(Date.now() - started).toBeLessThan(9000);
    } finally {
      await client.close();
    }
  }, 20_000);

  it('says when the device is not connected, and when it does not answer in time', async () => {
    const offline = await device('thermostat-3');
    await offline.close();
    const gone = await api(operator, 'POST', '/devices/thermostat-3/commands/reboot', {});
    expect(gone).toMatchObject({ status: 409, body: { error: { code: 'device_offline' } } });

    const silent = await device('thermostat-4');
    try {
      silent.onDeviceMethod('reboot', () => undefined);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const started = Date.now();
      const late = await api(operator, 'POST', '/devices/thermostat-4/commands/reboot', {
        responseTimeoutInSeconds: 5,
      });
      expect(late).toMatchObject({ status: 504, body: { error: { code: 'device_timeout' } } });
      expect(Date.now() - started).toBeLessThan(9000);
      const badName = await api(operator, 'POST', '/devices/thermostat-4/commands/re%20boot', {});
      expect(badName.status).toBe(400);
      const badTimeout = await api(operator, 'POST', '/devices/thermostat-4/commands/reboot', {
        responseTimeoutInSeconds: 1,
      });
      expect(badTimeout).toMatchObject({
        status: 400,
        body: { error: { code: 'validation_failed' } },
      });
    } finally {
      await silent.close();
    }
  }, 20_000);
});
