import { randomBytes } from 'node:crypto';
import {
  HubEventLog,
  RegistryStore,
  type RunningIotHub,
  startIotHubServer,
} from '@fieldline/iothub-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubRequests } from '../support/hubRequests';

const key = () => randomBytes(32).toString('base64');
const registryPolicy = {
  name: 'registryReadWrite',
  key: key(),
  rights: ['RegistryRead', 'RegistryWrite'] as const,
};
const readOnlyPolicy = { name: 'registryRead', key: key(), rights: ['RegistryRead'] as const };

let hub: RunningIotHub;
let rest: ReturnType<typeof hubRequests>;
let admin: string;

beforeAll(async () => {
  hub = await startIotHubServer(0, {
    hostName: 'localhost',
    registry: new RegistryStore(),
    log: new HubEventLog({ partitionCount: 4 }),
    policies: [
      { ...registryPolicy, rights: [...registryPolicy.rights] },
      { ...readOnlyPolicy, rights: [...readOnlyPolicy.rights] },
    ],
  });
  rest = hubRequests(hub);
  admin = rest.serviceToken(registryPolicy.name, registryPolicy.key);
});
afterAll(() => hub.stop());

async function hubError(response: Response) {
  return {
    status: response.status,
    code: response.headers.get('iothub-errorcode'),
    body: (await response.json()) as { Message: string },
  };
}

describe('IoT Hub stand-in: registry', () => {
  it('creates a device with generated keys, reads it, refuses a second create, updates by ETag and deletes it', async () => {
    const created = await rest.registry('PUT', 'thermo-1', admin, {
      body: { deviceId: 'thermo-1' },
    });
    expect(created.status).toBe(200);
    const device = (await created.json()) as {
      deviceId: string;
      etag: string;
      status: string;
      authentication: { type: string; symmetricKey: { primaryKey: string } };
    };
    expect(device).toMatchObject({
      deviceId: 'thermo-1',
      status: 'enabled',
      authentication: { type: 'sas' },
    });
    expect(Buffer.from(device.authentication.symmetricKey.primaryKey, 'base64')).toHaveLength(32);

    const read = await rest.registry('GET', 'thermo-1', admin);
    expect(read.status).toBe(200);
    expect(read.headers.get('etag')).toBe(`"${device.etag}"`);

    const again = await hubError(
      await rest.registry('PUT', 'thermo-1', admin, { body: { deviceId: 'thermo-1' } }),
    );
    expect(again).toMatchObject({ status: 409, code: 'DeviceAlreadyExists' });
    expect(again.body.Message).toMatch(/^ErrorCode:DeviceAlreadyExists;/);

    const stale = await rest.registry('PUT', 'thermo-1', admin, {
      body: { status: 'disabled' },
      ifMatch: '"bm90LWl0"',
    });
    expect(stale.status).toBe(412);
    const updated = await rest.registry('PUT', 'thermo-1', admin, {
      body: { status: 'disabled' },
      ifMatch: `"${device.etag}"`,
    });
    expect(await updated.json()).toMatchObject({
      status: 'disabled',
      authentication: {
        symmetricKey: { primaryKey: device.authentication.symmetricKey.primaryKey },
      },
    });

    expect((await rest.registry('DELETE', 'thermo-1', admin, { ifMatch: '*' })).status).toBe(204);
    expect(await hubError(await rest.registry('GET', 'thermo-1', admin))).toMatchObject({
      status: 404,
      code: 'DeviceNotFound',
    });
    expect((await rest.registry('DELETE', 'thermo-1', admin, { ifMatch: '*' })).status).toBe(404);
  });

  it('keeps keys the caller supplies and validates ids, bodies and the api-version', async () => {
    const primaryKey = key();
    const response = await rest.registry('PUT', 'keyed', admin, {
      body: { deviceId: 'keyed', authentication: { type: 'sas', symmetricKey: { primaryKey } } },
    });
    expect(await response.json()).toMatchObject({
      authentication: { symmetricKey: { primaryKey } },
    });
    expect((await rest.registry('PUT', 'bad id', admin, { body: {} })).status).toBe(400);
    expect(
      (await rest.registry('PUT', 'other', admin, { body: { deviceId: 'mismatch' } })).status,
    ).toBe(400);
    expect((await rest.registry('GET', 'keyed', admin, { apiVersion: null })).status).toBe(400);
  });

  it('authorizes by the policy named in skn and its rights', async () => {
    const reader = rest.serviceToken(readOnlyPolicy.name, readOnlyPolicy.key);
    expect((await rest.registry('GET', 'keyed', reader)).status).toBe(200);
    expect(
      await hubError(await rest.registry('PUT', 'by-reader', reader, { body: {} })),
    ).toMatchObject({ status: 401, code: 'IotHubUnauthorizedAccess' });
    const forged = rest.serviceToken(registryPolicy.name, key());
    expect((await rest.registry('GET', 'keyed', forged)).status).toBe(401);
    expect((await rest.registry('GET', 'keyed', 'Bearer nonsense')).status).toBe(401);
    const expired = rest.serviceToken(registryPolicy.name, registryPolicy.key, { expiresIn: -10 });
    expect((await rest.registry('GET', 'keyed', expired)).status).toBe(401);
  });
});

describe('IoT Hub stand-in: device-to-cloud', () => {
  let deviceKey: string;
  beforeAll(async () => {
    const response = await rest.registry('PUT', 'sender', admin, { body: { deviceId: 'sender' } });
    deviceKey = (
      (await response.json()) as { authentication: { symmetricKey: { primaryKey: string } } }
    ).authentication.symmetricKey.primaryKey;
    await rest.registry('PUT', 'bystander', admin, { body: { deviceId: 'bystander' } });
  });

  it('accepts a message with a valid device token', async () => {
    const response = await rest.send(
      'sender',
      rest.deviceToken('sender', deviceKey),
      '{"temperature":20}',
    );
    expect(response.status).toBe(204);
  });

  it.each([
    [
      'a bad signature',
      () => rest.send('sender', rest.deviceToken('sender', key()), '{}'),
      401,
      'IotHubUnauthorizedAccess',
    ],
    [
      'an expired token',
      () => rest.send('sender', rest.deviceToken('sender', deviceKey, { expiresIn: -1 }), '{}'),
      401,
      'IotHubUnauthorizedAccess',
    ],
    [
      'a token scoped to another device',
      () => rest.send('bystander', rest.deviceToken('sender', deviceKey), '{}'),
      401,
      'IotHubUnauthorizedAccess',
    ],
    [
      'an unknown device',
      () => rest.send('ghost', rest.deviceToken('ghost', deviceKey), '{}'),
      404,
      'DeviceNotFound',
    ],
    ['no token at all', () => rest.send('sender', '', '{}'), 401, 'IotHubUnauthorizedAccess'],
    [
      'a message over 256 KB',
      () =>
        rest.send(
          'sender',
          rest.deviceToken('sender', deviceKey),
          Buffer.alloc(256 * 1024 + 1, 97),
        ),
      413,
      'MessageTooLarge',
    ],
  ])('refuses %s', async (_, call, status, code) => {
    expect(await hubError(await call())).toMatchObject({ status, code });
  });

  it('refuses a disabled device', async () => {
    const current = (await (await rest.registry('GET', 'bystander', admin)).json()) as {
      etag: string;
      authentication: { symmetricKey: { primaryKey: string } };
    };
    await rest.registry('PUT', 'bystander', admin, { body: { status: 'disabled' }, ifMatch: '*' });
    const response = await rest.send(
      'bystander',
      rest.deviceToken('bystander', current.authentication.symmetricKey.primaryKey),
      '{}',
    );
    expect(response.status).toBe(403);
  });
});
