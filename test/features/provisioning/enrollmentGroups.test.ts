import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalCloud, startLocalCloud } from '../../../dev/localCloud';
import { clientToken } from '../../../tools/tokens';
import { apiCalls } from '../../support/apiCalls';
import { deriveDeviceKey, runThermostat } from '../../support/exampleThermostat';

// /api/enrollment-groups/{id} against the local DPS: admins only, keys in the creation's answer
// only, and a device with a key derived from that answer provisions through the group.

interface Body {
  id: string;
  enabled: boolean;
  keys?: { primaryKey: string; secondaryKey: string };
  provisioning: { idScope: string; host: string };
  initialTwin: { tags: Record<string, unknown>; desired: Record<string, unknown> };
  reprovision: { updateHubAssignment: boolean; migrateDeviceData: boolean };
  tags: Record<string, unknown>;
  properties: { desired: Record<string, unknown> };
  error: { code: string; message: string };
}

let stack: LocalCloud;
let admin: string;
let reader: string;
const api = apiCalls<Body>(() => stack.endpoints.apiBaseUrl);

beforeAll(async () => {
  stack = await startLocalCloud({ log: () => undefined });
  admin = await clientToken(stack.endpoints.identity, 'Fleet.Admin');
  reader = await clientToken(stack.endpoints.identity, 'Fleet.Read');
});
afterAll(async () => {
  await stack?.stop();
});

describe('enrollment groups', () => {
  it('are for admins only, reads included', async () => {
    for (const role of ['Fleet.Read', 'Fleet.Operate'] as const) {
      const token = await clientToken(stack.endpoints.identity, role);
      expect((await api(token, 'PUT', '/enrollment-groups/line-1', {})).status).toBe(403);
      expect((await api(token, 'GET', '/enrollment-groups/fieldline-devices')).status).toBe(403);
      const rotation = '/enrollment-groups/fieldline-devices/regenerate-key';
      expect((await api(token, 'POST', rotation, { key: 'primary' })).status).toBe(403);
      expect((await api(token, 'DELETE', '/enrollment-groups/fieldline-devices')).status).toBe(403);
    }
    const anonymous = await fetch(
      `${stack.endpoints.apiBaseUrl}/enrollment-groups/fieldline-devices`,
    );
    expect(anonymous.status).toBe(401);
  });

  it('answers a creation with the keys, once; a device with a derived key gets the initial twin', async () => {
    const created = await api(admin, 'PUT', '/enrollment-groups/line-7', {
      initialTwin: { tags: { site: 'leeds' }, desired: { targetTemperature: 19.5 } },
      reprovision: { updateHubAssignment: true, migrateDeviceData: false },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: 'line-7',
      enabled: true,
      provisioning: {
        idScope: stack.endpoints.provisioning.idScope,
        host: stack.endpoints.provisioning.host,
      },
      reprovision: { updateHubAssignment: true, migrateDeviceData: false },
    });
    const primaryKey = created.body.keys?.primaryKey ?? '';
    expect(Buffer.from(primaryKey, 'base64')).toHaveLength(64);

    const read = await api(admin, 'GET', '/enrollment-groups/line-7');
    expect(read.status).toBe(200);
    expect(read.body.initialTwin).toEqual({
      tags: { site: 'leeds' },
      desired: { targetTemperature: 19.5 },
    });
    expect(JSON.stringify(read.body)).not.toContain(primaryKey);
    expect(read.body.keys).toBeUndefined();

    // A change keeps the keys, and does not show them.
    const changed = await api(admin, 'PUT', '/enrollment-groups/line-7', {
      initialTwin: { tags: { site: 'york' } },
    });
    expect(changed.status).toBe(200);
    expect(JSON.stringify(changed.body)).not.toContain(primaryKey);

    const { child, output } = runThermostat(
      stack,
      'press-41',
      deriveDeviceKey(primaryKey, 'press-41'),
    );
    try {
      let twin = await api(reader, 'GET', '/devices/press-41/twin');
      for (let tries = 0; tries < 200 && twin.status !== 200; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        twin = await api(reader, 'GET', '/devices/press-41/twin');
      }
      expect(twin.status, output.join('')).toBe(200);
      expect(twin.body.tags).toMatchObject({ site: 'york' });
    } finally {
      child.kill();
    }
  });

  it('stops a disabled group from provisioning, and deletes a group', async () => {
    const created = await api(admin, 'PUT', '/enrollment-groups/line-8', { enabled: false });
    expect(created.status).toBe(201);
    const key = deriveDeviceKey(created.body.keys?.primaryKey ?? '', 'press-80');
    const { exited, output } = runThermostat(stack, 'press-80', key);
    expect(await exited).toBe(1);
    expect(output.join('')).toMatch(/thermostat: /);
    expect((await api(reader, 'GET', '/devices/press-80/twin')).status).toBe(404);

    expect((await api(admin, 'DELETE', '/enrollment-groups/line-8')).status).toBe(204);
    expect((await api(admin, 'GET', '/enrollment-groups/line-8')).status).toBe(404);
    const again = await api(admin, 'DELETE', '/enrollment-groups/line-8');
    expect(again.status).toBe(404);
    expect(again.body.error.code).toBe('not_found');
  });

  it('rotates a key: the new one alone in the answer, devices move to it, the old one stops', async () => {
    const created = await api(admin, 'PUT', '/enrollment-groups/line-r', {});
    const oldPrimary = created.body.keys?.primaryKey ?? '';
    const rotate = (key: string) =>
      api(admin, 'POST', '/enrollment-groups/line-r/regenerate-key', { key });

    const secondary = await rotate('secondary');
    expect(secondary.status).toBe(200);
    expect(Object.keys(secondary.body.keys ?? {})).toEqual(['secondaryKey']);
    const newSecondary = secondary.body.keys?.secondaryKey ?? '';
    const moved = runThermostat(stack, 'press-90', deriveDeviceKey(newSecondary, 'press-90'));
    try {
      let twin = await api(reader, 'GET', '/devices/press-90/twin');
      for (let tries = 0; tries < 200 && twin.status !== 200; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        twin = await api(reader, 'GET', '/devices/press-90/twin');
      }
      expect(twin.status, moved.output.join('')).toBe(200);
    } finally {
      moved.child.kill();
    }

    expect((await rotate('primary')).status).toBe(200);
    const stale = runThermostat(stack, 'press-91', deriveDeviceKey(oldPrimary, 'press-91'));
    expect(await stale.exited).toBe(1);
    expect((await api(reader, 'GET', '/devices/press-91/twin')).status).toBe(404);

    const read = await api(admin, 'GET', '/enrollment-groups/line-r');
    expect(JSON.stringify(read.body)).not.toContain(newSecondary);
    expect((await rotate('tertiary')).body.error.message).toMatch(/"key": "primary"/);
    const missing = await api(admin, 'POST', '/enrollment-groups/no-such/regenerate-key', {
      key: 'primary',
    });
    expect(missing.status).toBe(404);
  });

  it('takes the keys of the IoT Central app a fleet moves from, at creation only', async () => {
    const iotCentralKey = Buffer.alloc(64, 7).toString('base64');
    const created = await api(admin, 'PUT', '/enrollment-groups/from-central', {
      keys: { primaryKey: iotCentralKey },
    });
    expect(created.status).toBe(201);
    expect(created.body.keys?.primaryKey).toBe(iotCentralKey);
    // A device keeps the key it was given for IoT Central.
    const moved = runThermostat(stack, 'moved-1', deriveDeviceKey(iotCentralKey, 'moved-1'));
    try {
      let twin = await api(reader, 'GET', '/devices/moved-1/twin');
      for (let tries = 0; tries < 200 && twin.status !== 200; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        twin = await api(reader, 'GET', '/devices/moved-1/twin');
      }
      expect(twin.status, moved.output.join('')).toBe(200);
    } finally {
      moved.child.kill();
    }
    const again = await api(admin, 'PUT', '/enrollment-groups/from-central', {
      keys: { primaryKey: iotCentralKey },
    });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/regenerate-key/);
    const short = await api(admin, 'PUT', '/enrollment-groups/other', {
      keys: { primaryKey: 'c2hvcnQ=' },
    });
    expect(short.body.error.message).toMatch(/keys.primaryKey must be base64 of 16 to 64 bytes/);
  });

  it('names what is wrong with a request', async () => {
    const cases: [string, unknown, RegExp][] = [
      ['bad id!', {}, /enrollment group id is 1 to 128/],
      ['line-9', { enable: true }, /unknown field enable/],
      ['line-9', { enabled: 'yes' }, /enabled must be true or false/],
      ['line-9', { initialTwin: { desired: [] } }, /initialTwin.desired must be an object/],
      ['line-9', { initialTwin: { desired: { $version: 2 } } }, /may not name a \$ property/],
      ['line-9', { reprovision: { migrateDeviceData: 1 } }, /must be true or false/],
      ['line-9', [], /send \{"enabled"/],
    ];
    for (const [id, body, message] of cases) {
      const answer = await api(admin, 'PUT', `/enrollment-groups/${encodeURIComponent(id)}`, body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body.error.message).toMatch(message);
    }
    expect((await api(admin, 'GET', '/enrollment-groups/line-9')).status).toBe(404);
  });
});
