import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalCloud, startLocalCloud } from '../../dev/localCloud';
import { clientToken } from '../../tools/tokens';
import { apiCalls } from '../support/apiCalls';
import { deriveDeviceKey, runThermostat } from '../support/exampleThermostat';

// The acceptance path of zero-touch provisioning: examples/thermostat.cjs, written only against
// the provisioning and device SDKs, is given the ID scope and its derived key, provisions itself
// through the local DPS, connects, and the API shows its model, telemetry and commands.

const repo = path.resolve(__dirname, '../..');
const thermostatModel = path.join(repo, 'examples/models/dtmi/com/example/thermostat-1.json');

let stack: LocalCloud;
let reader: string;
let operator: string;
const api = apiCalls<Record<string, unknown> & { error: { message: string } }>(
  () => stack.endpoints.apiBaseUrl,
);

beforeAll(async () => {
  stack = await startLocalCloud({ log: () => undefined });
  reader = await clientToken(stack.endpoints.identity, 'Fleet.Read');
  operator = await clientToken(stack.endpoints.identity, 'Fleet.Operate');
  const admin = await clientToken(stack.endpoints.identity, 'Fleet.Admin');
  const model = JSON.parse(await readFile(thermostatModel, 'utf8'));
  const stored = await api(admin, 'PUT', `/models/${encodeURIComponent(model['@id'])}`, model);
  expect(stored.status, JSON.stringify(stored.body)).toBe(200);
});
afterAll(async () => {
  await stack?.stop();
});

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 20_000;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await read();
  }
  return value;
}

describe('a device that provisions itself through the local DPS', () => {
  it('provisions with its derived key, connects, and shows its model, telemetry and commands', async () => {
    const { enrollmentGroup } = stack.endpoints.provisioning;
    const { child, output } = runThermostat(
      stack,
      'thermostat-17',
      deriveDeviceKey(enrollmentGroup.primaryKey, 'thermostat-17'),
    );
    try {
      const state = await eventually(
        () => api(reader, 'GET', '/devices/thermostat-17'),
        (r) => r.status === 200 && Number(r.body.count) >= 2,
      );
      expect(state.status, output.join('')).toBe(200);
      expect(state.body.temperature).toEqual(expect.any(Number));

      const twin = await api(reader, 'GET', '/devices/thermostat-17/twin');
      expect(twin.body.modelId).toBe('dtmi:com:example:Thermostat;1');

      const report = await api(
        operator,
        'POST',
        '/devices/thermostat-17/commands/getMaxMinReport',
        { payload: '2026-12-01T00:00:00Z' },
      );
      expect(report.status).toBe(200);
      expect(report.body).toMatchObject({
        status: 200,
        payload: { maxTemp: expect.any(Number), since: '2026-12-01T00:00:00Z' },
      });
      const undeclared = await api(operator, 'POST', '/devices/thermostat-17/commands/reboot', {});
      expect(undeclared.status).toBe(400);
      expect(undeclared.body.error.message).toMatch(/declares no command "reboot"/);
    } finally {
      child.kill();
    }
  });

  it('refuses a key derived for another registration id', async () => {
    const { enrollmentGroup } = stack.endpoints.provisioning;
    const { child, output } = runThermostat(
      stack,
      'thermostat-18',
      deriveDeviceKey(enrollmentGroup.primaryKey, 'thermostat-17'),
    );
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(output.join('')).toMatch(/thermostat: .*(not authorized|401|Unauthorized)/i);
    expect((await api(reader, 'GET', '/devices/thermostat-18/twin')).status).toBe(404);
  });
});
