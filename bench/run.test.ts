import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repoRoot = path.resolve(__dirname, '..');

async function bench(...args: string[]) {
  try {
    await run(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...args], { cwd: repoRoot });
    return { code: 0, stderr: '' };
  } catch (error) {
    const failed = error as { code: number; stderr: string };
    return { code: failed.code, stderr: failed.stderr };
  }
}

describe('npm run bench', () => {
  it.each([
    [['--rtt', 'ten'], /--rtt must be a non-negative number, got "ten"/],
    [['--rtt=-5'], /--rtt must be a non-negative number, got "-5"/],
    [
      ['--rtt', '5000'],
      /--rtt takes a round trip in milliseconds up to 1000, such as --rtt 10; got 5000/,
    ],
    [['--only', 'ingest,speed'], /no benchmark named speed; choose from ingest, cost, coldstart/],
    [['--fast'], /unknown argument "--fast"\nusage: npm run bench -- \[--quick\] \[--rtt <ms>\]/],
  ])(
    'refuses %j with a message naming the fix, and exits 2 before starting anything',
    async (args, message) => {
      const { code, stderr } = await bench(...args);
      expect(code).toBe(2);
      expect(stderr).toMatch(message);
    },
  );
});
