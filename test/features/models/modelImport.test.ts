import { spawn } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalCloud, startLocalCloud } from '../../../dev/localCloud';
import { clientToken } from '../../../tools/tokens';
import { apiCalls } from '../../support/apiCalls';
import { deriveDeviceKey, runThermostat } from '../../support/exampleThermostat';

// `npm run models -- import <folder>` against the local cloud, as a team leaving IoT Central runs
// it: an exported device template (a device model with a component, IoT Central's context), a
// device template with a cloud property, and a broken file; then a device of the imported model
// provisions itself through DPS.

const repo = path.resolve(__dirname, '../../..');
const fixture = path.join(repo, 'test/fixtures/iotCentralExport');
const smartThermostat = 'dtmi:contoso:SmartThermostat;1';

let stack: LocalCloud;
let workDir: string;
let reader: string;
let operator: string;
const api = apiCalls<Record<string, unknown> & { error: { message: string } }>(
  () => stack.endpoints.apiBaseUrl,
);

beforeAll(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), 'fieldline-models-'));
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

/** Runs the CLI as `npm run models -- ...` does, from a folder whose .fieldline is this stack's. */
function models(
  ...args: string[]
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(
    process.execPath,
    [path.join(repo, 'node_modules/tsx/dist/cli.mjs'), path.join(repo, 'tools/models.ts'), ...args],
    { cwd: workDir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('npm run models -- import', () => {
  it('imports an IoT Central export in dependency order, names the rejected file, and exits 1', async () => {
    const run = await models('import', fixture);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    // The component's interface comes after the model in the file, and is stored before it.
    const steps = run.stdout.split('\n').filter((line) => /^\[\d+\/4\]/.test(line));
    expect(steps.map((line) => line.replace(/ \(.*$/, ''))).toEqual([
      '[1/4] dtmi:contoso:Broken;1',
      '[2/4] dtmi:contoso:DoorSensor;1',
      '[3/4] dtmi:contoso:DeviceInformation;1',
      '[4/4] dtmi:contoso:SmartThermostat;1',
    ]);
    expect(run.stdout).toMatch(/door-sensor-template\.json: left out cloud property customerName/);
    expect(run.stdout).toMatch(/imported 3 models from 3 files; 1 rejected/);
    expect(run.stderr).toMatch(/rejected broken\.json: dtmi:contoso:Broken;1: .*decimal/);

    const listed = (await api(reader, 'GET', '/models')).body as unknown as { dtmi: string }[];
    expect(listed.map((model) => model.dtmi).sort()).toEqual([
      'dtmi:contoso:DeviceInformation;1',
      'dtmi:contoso:DoorSensor;1',
      smartThermostat,
    ]);

    // Run again: every model is stored already, and the broken one is still refused.
    const again = await models('import', fixture);
    expect(again.code).toBe(1);
    expect(again.stdout).toMatch(/imported 3 models/);
  });

  it('provisions a device of an imported model through DPS, and checks its commands against it', async () => {
    const key = deriveDeviceKey(stack.endpoints.provisioning.enrollmentGroup.primaryKey, 'smart-1');
    const { child, output } = runThermostat(stack, 'smart-1', key, { modelId: smartThermostat });
    try {
      let twin = await api(reader, 'GET', '/devices/smart-1/twin');
      // DPS makes the twin; the model arrives when the device connects to the hub.
      for (let tries = 0; tries < 200 && twin.body?.modelId !== smartThermostat; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        twin = await api(reader, 'GET', '/devices/smart-1/twin');
      }
      expect(twin.status, output.join('')).toBe(200);
      expect(twin.body.modelId).toBe(smartThermostat);
      // Its readings follow its method subscription: wait for two before calling it.
      let state = await api(reader, 'GET', '/devices/smart-1');
      for (let tries = 0; tries < 200 && !(Number(state.body?.count) >= 2); tries++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        state = await api(reader, 'GET', '/devices/smart-1');
      }
      const command = (name: string, payload: unknown) =>
        api(operator, 'POST', `/devices/smart-1/commands/${encodeURIComponent(name)}`, {
          payload,
        });
      const report = await command('getMaxMinReport', '2026-12-01T00:00:00Z');
      expect(report.status, JSON.stringify(report.body)).toBe(200);
      const wrong = await command('getMaxMinReport', 'yesterday');
      expect(wrong.status).toBe(400);
      expect((await command('reboot', 1)).body.error.message).toMatch(/declares no command/);
    } finally {
      child.kill();
    }
  });

  it('says what is wrong with its arguments, and with a folder that holds nothing to import', async () => {
    const noFolder = await models('import');
    expect(noFolder.code).toBe(1);
    expect(noFolder.stderr).toMatch(/import <folder>/);
    const missing = await models('import', path.join(workDir, 'nowhere'));
    expect(missing.stderr).toMatch(/is not a folder/);
    const empty = path.join(workDir, 'empty');
    await cp(fixture, empty, { recursive: true, filter: (source) => !source.endsWith('.json') });
    expect((await models('import', empty)).stderr).toMatch(/holds no \.json files/);
    const unknown = await models('import', fixture, '--bogus');
    expect(unknown.stderr).toMatch(/unknown argument "--bogus"/);
  });

  it('imports the models repository layout, and notes a file kept at another path', async () => {
    const folder = path.join(workDir, 'repository');
    await cp(path.join(repo, 'examples/models'), folder, { recursive: true });
    const model = await readFile(path.join(folder, 'dtmi/com/example/thermostat-1.json'), 'utf8');
    await writeFile(
      path.join(folder, 'dtmi/com/example/misplaced.json'),
      model.replace('Thermostat;1', 'Thermostat;2'),
    );
    const run = await models('import', folder);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      /misplaced\.json: note: the models repository keeps dtmi:com:example:Thermostat;2 at dtmi\/com\/example\/thermostat-2\.json/,
    );
    expect(run.stdout).toMatch(/imported 2 models from 2 files; 0 rejected/);
  });
});
