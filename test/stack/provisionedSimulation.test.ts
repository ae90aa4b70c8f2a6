import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalCloud, startLocalCloud } from '../../dev/localCloud';
import { clientToken } from '../../tools/tokens';
import { apiCalls } from '../support/apiCalls';

// `npm run simulate -- --provision`: simulated devices provision themselves through the local DPS
// with keys derived from the enrollment group's, announce the thermostat model and follow it.

const repo = path.resolve(__dirname, '../..');

let stack: LocalCloud;
let workDir: string;
let reader: string;
let operator: string;
interface Twin {
  modelId: string;
  properties: { reported: Record<string, unknown> };
}
const api = apiCalls<Twin & Record<string, unknown>>(() => stack.endpoints.apiBaseUrl);

beforeAll(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), 'fieldline-simulate-'));
  stack = await startLocalCloud({
    stateDir: path.join(workDir, '.fieldline'),
    log: () => undefined,
  });
  reader = await clientToken(stack.endpoints.identity, 'Fleet.Read');
  operator = await clientToken(stack.endpoints.identity, 'Fleet.Operate');
});
afterAll(async () => {
  await stack?.stop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  let value = await read();
  for (let tries = 0; tries < 200 && !done(value); tries++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await read();
  }
  return value;
}

describe('npm run simulate -- --provision', () => {
  it('provisions devices through DPS, announces the thermostat and follows its target', async () => {
    const child = spawn(
      process.execPath,
      [
        path.join(repo, 'node_modules/tsx/dist/cli.mjs'),
        path.join(repo, 'simulator/simulate.ts'),
        '--provision',
        ...['--devices', '2', '--rate', '4', '--duration', '9', '--bad', '0'],
      ],
      { cwd: workDir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      const twin = await until(
        () => api(reader, 'GET', '/devices/sim-device-001/twin'),
        (r) =>
          r.status === 200 && r.body.properties?.reported?.maxTempSinceLastReboot !== undefined,
      );
      expect(twin.status, output).toBe(200);
      expect(twin.body.modelId).toBe('dtmi:com:example:Thermostat;1');

      // The model is stored: a desired value it does not declare is refused, its own is taken.
      const undeclared = await api(operator, 'PATCH', '/devices/sim-device-001/twin/desired', {
        setPoint: 20,
      });
      expect(undeclared.status).toBe(400);
      const patched = await api(operator, 'PATCH', '/devices/sim-device-001/twin/desired', {
        targetTemperature: 30,
      });
      expect(patched.status).toBe(200);
      const acknowledged = await until(
        () => api(reader, 'GET', '/devices/sim-device-001/twin'),
        (r) => (r.body.properties?.reported?.targetTemperature as { ac?: number })?.ac === 200,
      );
      expect(acknowledged.body.properties.reported.targetTemperature).toMatchObject({
        value: 30,
        ac: 200,
      });
      const report = await api(
        operator,
        'POST',
        '/devices/sim-device-001/commands/getMaxMinReport',
        {
          payload: '2026-12-01T00:00:00Z',
        },
      );
      expect(report.status).toBe(200);
      expect(report.body).toMatchObject({
        payload: { maxTemp: expect.any(Number), since: '2026-12-01T00:00:00Z' },
      });
      expect(await exited, output).toBe(0);
      const second = await api(reader, 'GET', '/devices/sim-device-002');
      expect(Number(second.body.count)).toBeGreaterThan(0);
    } finally {
      child.kill();
    }
  });
});
