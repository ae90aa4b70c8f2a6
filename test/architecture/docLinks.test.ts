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

it('every relative link in the README and docs/ names a file that exists', () => {
  const broken: string[] = [];
  for (const file of ['README.md', ...markdown('docs')]) {
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
