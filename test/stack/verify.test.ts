import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalCloud, startLocalCloud } from '../../dev/localCloud';
import { azureStage } from '../../tools/verify';

const repoRoot = path.resolve(__dirname, '../..');
const tsxCli = createRequire(path.join(repoRoot, 'package.json')).resolve('tsx/cli');

function runCli(args: string[], cwd: string): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [tsxCli, path.join(repoRoot, 'tools/verify.ts'), ...args],
      {
        cwd,
        env: { ...process.env, NO_COLOR: '1' },
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.on('exit', (code) => resolve({ code: code ?? -1, out, err }));
  });
}

describe('npm run verify -- --local, against the local cloud', () => {
  let stack: LocalCloud;
  let stateDir: string;
  beforeAll(async () => {
    stateDir = await mkdtemp(path.join(tmpdir(), 'fieldline-verify-'));
    stack = await startLocalCloud({
      log: () => undefined,
      stateDir: path.join(stateDir, '.fieldline'),
    });
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
    await rm(stateDir, { recursive: true, force: true });
  });

  it('passes every check, one line each, and exits 0', async () => {
    const { code, out, err } = await runCli(['--local'], stateDir);
    expect(err).toBe('');
    const lines = out.trim().split('\n');
    expect(lines.map((line) => line.replace(/\s+\d+ ms.*$/, '').trim())).toEqual([
      'pass  health details',
      'pass  signalr negotiate and connect',
      'pass  register a temporary device',
      'pass  send a reading with the device SAS',
      'pass  read the reading back through the API',
      'pass  receive its SignalR broadcast',
      'pass  rooms round trip through the upstream',
      'pass  catalog search',
      'pass  remove the temporary device',
      '9 passed, 0 failed',
    ]);
    expect(code).toBe(0);
  }, 90_000);

  it('fails, naming the check and the error, when a part of the stage is down', async () => {
    await stack.faults.stopSignalR();
    try {
      const { code, out } = await runCli(['--local'], stateDir);
      expect(code).toBe(1);
      expect(out).toMatch(/^FAIL {2}signalr negotiate and connect\s+\d+ ms {2}\S/m);
      expect(out).toMatch(
        /^FAIL {2}receive its SignalR broadcast\s+0 ms {2}not run: the SignalR connection failed$/m,
      );
      expect(out).toMatch(/^pass {2}read the reading back through the API/m);
      expect(out).toMatch(/^pass {2}remove the temporary device/m);
      expect(out).toMatch(/^\d+ passed, [1-9]\d* failed$/m);
    } finally {
      await stack.faults.startSignalR();
    }
  }, 90_000);
});

describe('npm run verify, refusing what it cannot check', () => {
  it('names the usage, a missing local cloud, and stack outputs that are not a deployed stage', async () => {
    const empty = await mkdtemp(path.join(tmpdir(), 'fieldline-verify-'));
    try {
      const none = await runCli([], empty);
      expect(none.code).toBe(2);
      expect(none.err).toMatch(/give exactly one of --stack <stage> and --local/);
      const local = await runCli(['--local'], empty);
      expect(local.code).toBe(2);
      expect(local.err).toMatch(/no \.fieldline\/local\.json: start the local cloud first/);
      await writeFile(
        path.join(empty, 'outputs.json'),
        JSON.stringify({ apiUrl: 'https://x/api' }),
      );
      const undeployed = await runCli(['--stack', 'dev', '--outputs', 'outputs.json'], empty);
      expect(undeployed.code).toBe(2);
      expect(undeployed.err).toMatch(/the stack outputs lack iotHubHostName, apiTokenScope/);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  }, 60_000);

  it('in Azure, says which app roles the verifying identity lacks', async () => {
    const jwt = (claims: object) =>
      `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;
    const stage = azureStage(
      {
        apiUrl: 'https://fl-dev-api.azurewebsites.net/api/',
        iotHubHostName: 'fl-dev-hub.azure-devices.net',
        apiTokenScope: 'api://app/.default',
      },
      async (scope) => {
        expect(scope).toBe('api://app/.default');
        return jwt({ roles: ['Fleet.Read'] });
      },
    );
    expect(stage.apiBaseUrl).toBe('https://fl-dev-api.azurewebsites.net/api');
    expect(stage.deviceRestUrl).toBe('https://fl-dev-hub.azure-devices.net');
    expect(await stage.token('Fleet.Read')).toMatch(/^e30\./);
    await expect(stage.token('Fleet.Admin')).rejects.toThrow(
      "the verifying identity's token has no Fleet.Admin role (it has: Fleet.Read); assign it Fleet.Read, Fleet.Operate, Fleet.Admin",
    );
  });
});
