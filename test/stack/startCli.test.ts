import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from '@fieldline/emulator-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repoRoot = path.resolve(__dirname, '../..');
// As `npm start` runs it: node with tsx as a loader, so Ctrl-C reaches the process that handles it
// directly (the tsx CLI relays signals, and kills a child that has not answered within 60 ms).
const tsxLoader = pathToFileURL(createRequire(__filename).resolve('tsx')).href;
let cwd: string;

beforeAll(async () => {
  cwd = await mkdtemp(path.join(os.tmpdir(), 'fieldline-start-'));
});
afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

/** `npm run token -- <args>` in the started cloud's directory: the token, or the CLI's error. */
async function token(args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', tsxLoader, path.join(repoRoot, 'tools/token.ts'), ...args],
      { cwd },
    );
    return { code: 0, out: stdout.trim() };
  } catch (error) {
    const failed = error as { code: number; stderr: string };
    return { code: failed.code, out: failed.stderr };
  }
}

function start(args: string[]): {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
} {
  // Its own process group, so that the test can press Ctrl-C the way a terminal does.
  const child = spawn(
    process.execPath,
    ['--import', tsxLoader, path.join(repoRoot, 'dev/start.ts'), ...args],
    {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return { child, output: () => output, exited };
}

async function ports() {
  const names = [
    '--port',
    '--dashboard-port',
    '--iothub-port',
    '--signalr-port',
    '--mongo-port',
    '--blob-port',
    '--queue-port',
    '--table-port',
    '--identity-port',
    '--mqtt-port',
    '--iothub-https-port',
  ];
  const values = await Promise.all(names.map(() => freePort()));
  return {
    args: names.flatMap((name, i) => [name, String(values[i])]),
    api: values[0] as number,
    table: values[7] as number,
  };
}

describe('npm start', () => {
  it('names a taken port and the flag that moves it', async () => {
    const blocker = net.createServer();
    const taken = await new Promise<number>((resolve) =>
      blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as net.AddressInfo).port)),
    );
    try {
      const { args } = await ports();
      const withTaken = args.map((value, i) =>
        args[i - 1] === '--iothub-port' ? String(taken) : value,
      );
      const run = start(withTaken);
      expect(await run.exited).toBe(1);
      expect(run.output()).toContain(`port ${taken} (IoT Hub stand-in) is already in use`);
      expect(run.output()).toContain('--iothub-port <another port>');
    } finally {
      blocker.close();
    }
  });

  it('rejects an unknown flag with its usage', async () => {
    const run = start(['--colour']);
    expect(await run.exited).toBe(2);
    expect(run.output()).toMatch(/unknown argument "--colour"\nusage: npm start --/);
  });

  it('rejects a --hub-tier that is not S1, S2 or S3, naming the ones it takes', async () => {
    const run = start(['--hub-tier', 'S9']);
    expect(await run.exited).toBe(2);
    expect(run.output()).toContain('--hub-tier must be one of S1, S2, S3');
  });

  it('with --simulate shows live counts through the API for a token from npm run token, and Ctrl-C stops everything', async () => {
    const { args, api, table } = await ports();
    const run = start([...args, '--simulate', '--devices', '3', '--rate', '5']);
    try {
      const deadline = Date.now() + 30_000;
      let bannerAt: number | undefined;
      let counted = 0;
      let bearer = '';
      while (Date.now() < deadline) {
        if (bannerAt === undefined && run.output().includes('fieldline local cloud is running')) {
          bannerAt = Date.now();
          const issued = await token(['--role', 'Fleet.Read']);
          expect(issued.code, issued.out).toBe(0);
          bearer = issued.out;
        }
        if (bannerAt !== undefined) {
          const states = (await (
            await fetch(`http://127.0.0.1:${api}/api/devices?history=0`, {
              headers: { authorization: `Bearer ${bearer}` },
            })
          ).json()) as { count: number }[];
          counted = states.reduce((sum, s) => sum + s.count, 0);
          if (counted > 0) break;
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(bannerAt).toBeDefined();
      expect(counted).toBeGreaterThan(0);
      const local = JSON.parse(await readFile(path.join(cwd, '.fieldline/local.json'), 'utf8'));
      expect(local.apiBaseUrl).toBe(`http://127.0.0.1:${api}/api`);
      // A user token too; and a wrong role is named with the fix.
      const alice = await token(['--user', 'alice']);
      expect(alice.code).toBe(0);
      const claims = JSON.parse(Buffer.from(alice.out.split('.')[1] ?? '', 'base64url').toString());
      expect(claims).toMatchObject({ aud: 'api://fieldline-local', roles: [], ver: '2.0' });
      const wrong = await token(['--role', 'Fleet.Everything']);
      expect(wrong).toMatchObject({
        code: 2,
        out: expect.stringContaining('--role must be one of'),
      });
    } finally {
      process.kill(-(run.child.pid as number), 'SIGINT');
    }
    expect(await run.exited).toBe(0);
    expect(run.output()).toContain('stopped.');
    const stillOpen = await new Promise<boolean>((resolve) => {
      const socket = net.connect(table, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    expect(stillOpen).toBe(false);
  });
});
