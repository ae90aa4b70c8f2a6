import { spawn } from 'node:child_process';
import path from 'node:path';
import { expect, it } from 'vitest';

const packDir = path.resolve(__dirname, '../../policy');

// `pulumi preview --policy-pack policy` starts the pack through ts-node and waits for it to print
// the port of its gRPC analyzer; a pack that fails to load never prints one.
it('the policy pack starts as the Pulumi CLI starts it, and serves its analyzer', async () => {
  const child = spawn(process.execPath, ['-r', 'ts-node/register', '-e', "require('./index.ts')"], {
    cwd: packDir,
    env: { ...process.env, TS_NODE_PROJECT: 'tsconfig.json', TS_NODE_TRANSPILE_ONLY: 'true' },
  });
  try {
    const port = await new Promise<string>((resolve, reject) => {
      let out = '';
      let err = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /^(\d+)\s/.exec(out);
        if (match?.[1]) resolve(match[1]);
      });
      child.stderr.on('data', (chunk: Buffer) => {
        err += chunk.toString();
      });
      const timer = setTimeout(() => reject(new Error(`no port within 60 s: ${err}`)), 60_000);
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the pack exited with ${code}: ${err}`));
      });
    });
    expect(Number(port)).toBeGreaterThan(0);
  } finally {
    child.kill();
  }
}, 70_000);
