import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');
const markdown = (dir: string): string[] =>
  readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? markdown(path.join(dir, entry.name))
      : entry.name.endsWith('.md')
        ? [path.join(dir, entry.name)]
        : [],
  );

it("every relative link in the README, docs/ and the packages' READMEs names a file that exists", () => {
  const broken: string[] = [];
  const packageReadmes = markdown('packages').filter((file) => !file.includes('node_modules'));
  expect(packageReadmes.length).toBeGreaterThan(0);
  for (const file of ['README.md', ...markdown('docs'), ...packageReadmes]) {
    const text = readFileSync(path.join(root, file), 'utf8');
    for (const [, target = ''] of text.matchAll(/\]\(([^)\s#]+)(?:#[^)]*)?\)/g)) {
      if (/^[a-z]+:/.test(target)) continue;
      if (!existsSync(path.resolve(root, path.dirname(file), target)))
        broken.push(`${file} -> ${target}`);
    }
  }
  expect(broken).toEqual([]);
  // The README stays a front page; the depth lives in docs/.
  expect(readFileSync(path.join(root, 'README.md'), 'utf8').split('\n').length).toBeLessThan(200);
});

it("the README's folder map names every top-level folder and every package", () => {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const map = /```\nfunctions\/\n[\s\S]*?```/.exec(readme)?.[0] ?? '';
  const folders = readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
    .map((entry) => `${entry.name}/`)
    .filter((folder) => !['node_modules/', 'dist/', 'docs/'].includes(folder));
  const packages = ['packages/emulators', 'packages'].flatMap((dir) =>
    readdirSync(path.join(root, dir), { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && entry.name !== 'emulators')
      .map((entry) => `${dir}/${entry.name}/`),
  );
  const missing = [...folders, ...packages].filter(
    (folder) =>
      !map.split('\n').some((line) => line.startsWith(folder) || line.includes(` ${folder}`)),
  );
  expect(map).not.toBe('');
  expect(missing).toEqual([]);
});
