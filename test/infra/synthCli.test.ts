import { execFile } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repoRoot = path.resolve(__dirname, '../..');

/** `npm run synth -- ...`: ts-node with the project's tsconfig, as Pulumi loads the program. */
async function synth(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(
      path.join(repoRoot, 'node_modules/.bin/ts-node'),
      ['--project', 'tsconfig.json', 'infra/offline/synthCli.ts', ...args],
      {
        cwd: repoRoot,
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('npm run synth', () => {
  it('prints the dev stack graph as JSON: type tokens, names, parents and inputs', async () => {
    const { code, stdout } = await synth(['--stack', 'dev', '--json']);
    expect(code).toBe(0);
    const graph = JSON.parse(stdout) as {
      type: string;
      name: string;
      parent: string | null;
      inputs: Record<string, unknown>;
    }[];
    expect(graph.length).toBeGreaterThan(30);
    expect(graph).toContainEqual(
      expect.objectContaining({
        type: 'azure-native:storage:StorageAccount',
        name: 'data-account',
        parent: 'data',
        inputs: expect.objectContaining({ allowSharedKeyAccess: false }),
      }),
    );
    expect(graph.every((r) => /^[\w-]+(\/[\w-]+)?:[\w/-]*:\w+$/.test(r.type))).toBe(true);
  }, 120_000);

  it('stops with a message naming each bad key, and exits non-zero', async () => {
    const file = path.join(repoRoot, 'Pulumi.synthtest.yaml');
    await writeFile(
      file,
      'config:\n  fieldline:iotHubSku: X9\n  fieldline:functionsAlwaysReady: "-1"\n',
    );
    try {
      const { code, stderr } = await synth(['--stack', 'synthtest']);
      expect(code).toBe(1);
      expect(stderr).toContain(
        'fieldline:iotHubSku must be one of F1, B1, B2, B3, S1, S2, S3; got "X9"',
      );
      expect(stderr).toContain(
        'fieldline:functionsAlwaysReady must be a whole number from 0 to 20; got "-1"',
      );
    } finally {
      await rm(file, { force: true });
    }
  }, 120_000);

  it('names the missing stack file and how to create it', async () => {
    const { code, stderr } = await synth(['--stack', 'nosuchstack']);
    expect(code).toBe(1);
    expect(stderr).toContain(
      'no Pulumi.nosuchstack.yaml: create it with "pulumi stack init nosuchstack"',
    );
  }, 120_000);
});
