import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');
const folders = [
  'functions',
  'packages',
  'dev',
  'tools',
  'simulator',
  'bench',
  'test',
  'harness',
  'infra',
  'policy',
  'dashboard',
];

function files(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.posix.join(dir, entry.name);
    if (entry.isDirectory())
      return ['node_modules', 'dist'].includes(entry.name) ? [] : files(relative);
    return /\.(?:ts|mts)$/.test(entry.name) ? [relative] : [];
  });
}

const all = folders.flatMap(files);

describe('naming', () => {
  it('names the creator of every *.function.ts create<File>Functions', async () => {
    const functionFiles = all.filter((file) => file.endsWith('.function.ts'));
    expect(functionFiles.length).toBeGreaterThan(5);
    for (const file of functionFiles) {
      const stem = path.basename(file, '.function.ts');
      const creator = `create${stem[0]?.toUpperCase()}${stem.slice(1)}Functions`;
      const module = (await import(path.join(root, file))) as Record<string, unknown>;
      expect(typeof module[creator], `${file} exports ${creator}`).toBe('function');
    }
  });

  it('gives no two files one name in different folders, except entry points and each feature’s feature.ts, settings.ts and contract.ts', () => {
    const byName = new Map<string, string[]>();
    for (const file of all) {
      const name = path.basename(file);
      // Entry points, and the three files every feature has by convention.
      const conventional = ['index.ts', 'build.ts', 'cli.ts', 'index.test.ts'];
      if ([...conventional, 'feature.ts', 'settings.ts', 'contract.ts'].includes(name)) continue;
      byName.set(name, [...(byName.get(name) ?? []), file]);
    }
    expect([...byName.values()].filter((paths) => paths.length > 1)).toEqual([]);
  });
});
