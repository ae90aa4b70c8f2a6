import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');
const sources = execFileSync('git', ['ls-files', '*.ts', '*.tsx', '*.mts'], {
  cwd: root,
  encoding: 'utf8',
})
  .split('\n')
  .filter((file) => file !== '' && !/\.test\.tsx?$/.test(file) && !file.startsWith('test/'));

it('keeps source files to 350 lines', () => {
  const tooLong = sources
    .map((file) => ({
      file,
      lines: readFileSync(path.join(root, file), 'utf8').split('\n').length - 1,
    }))
    .filter(({ lines }) => lines > 350)
    .map(({ file, lines }) => `${file}: ${lines}`);
  expect(tooLong).toEqual([]);
});

it('keeps functions to 150 lines', () => {
  const tooLong: string[] = [];
  for (const file of sources) {
    const text = readFileSync(path.join(root, file), 'utf8');
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node) => {
      if (ts.isFunctionLike(node) && 'body' in node && node.body) {
        const start = source.getLineAndCharacterOfPosition(node.getStart()).line;
        const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
        const name = node.name?.getText(source) ?? `<anonymous at ${start + 1}>`;
        if (end - start + 1 > 150) tooLong.push(`${file}#${name}: ${end - start + 1}`);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  expect(tooLong).toEqual([]);
});
