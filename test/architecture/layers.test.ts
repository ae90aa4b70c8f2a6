import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.posix.join(dir, entry.name);
    if (entry.isDirectory())
      return ['node_modules', 'dist'].includes(entry.name) ? [] : sourceFiles(relative);
    return /\.(?:ts|mts|tsx)$/.test(entry.name) ? [relative] : [];
  });
}

/** Every file-to-file import in the repository, as repository-relative paths. */
function importEdges(): { from: string; to: string }[] {
  const folders = [
    'functions',
    'local',
    'bench',
    'test',
    'harness',
    'infra',
    'policy',
    'dashboard',
    'packages',
  ];
  return folders.flatMap((folder) =>
    sourceFiles(folder).flatMap((from) => {
      const code = readFileSync(path.join(root, from), 'utf8');
      const specifiers = [
        ...code.matchAll(/(?:^|\s)(?:import|export)\s[^'"]*?from\s+'([^']+)'/g),
        ...code.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g),
      ].map((match) => match[1] as string);
      return specifiers
        .filter((specifier) => specifier.startsWith('.') || specifier.startsWith('@fieldline/'))
        .map((specifier) => ({
          from,
          to: specifier.startsWith('@fieldline/')
            ? specifier
            : path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier)),
        }));
    }),
  );
}

const edges = importEdges();
const within = (file: string, folder: string) => file.startsWith(`${folder}/`);
const violations = (rule: (edge: { from: string; to: string }) => boolean) =>
  edges.filter(rule).map(({ from, to }) => `${from} -> ${to}`);

describe('layers', () => {
  it('finds the imports it checks', () => {
    expect(edges.length).toBeGreaterThan(500);
    expect(edges).toContainEqual({ from: 'local/localStack.ts', to: 'functions/src/hosting' });
  });

  it('keeps the function app free of the hosts, tools, tests and infrastructure around it', () => {
    expect(
      violations(
        ({ from, to }) =>
          within(from, 'functions') &&
          ['local', 'bench', 'test', 'harness', 'infra', 'dashboard'].some((f) => within(to, f)),
      ),
    ).toEqual([]);
  });

  it('lets the local cloud use the function app only through functions/src/hosting', () => {
    expect(
      violations(
        ({ from, to }) =>
          within(from, 'local') && within(to, 'functions') && to !== 'functions/src/hosting',
      ),
    ).toEqual([]);
  });

  it('keeps each package to itself: it reaches others only by package name, and emulators never reach the app', () => {
    const packageOf = (file: string) => /^packages\/(?:emulators\/)?[^/]+/.exec(file)?.[0];
    expect(
      violations(({ from, to }) => {
        const home = packageOf(from);
        return home !== undefined && !to.startsWith('@fieldline/') && packageOf(to) !== home;
      }),
    ).toEqual([]);
    expect(
      violations(
        ({ from, to }) =>
          (within(from, 'packages/emulators') || within(from, 'packages/emulator-kit')) &&
          to.startsWith('@fieldline/') &&
          to !== '@fieldline/emulator-kit',
      ),
    ).toEqual([]);
    expect(edges.some(({ from }) => within(from, 'packages/emulator-kit'))).toBe(true);
  });

  it('keeps benchmarks and tests apart; what both need lives in harness/', () => {
    expect(
      violations(
        ({ from, to }) =>
          (within(from, 'bench') && within(to, 'test')) ||
          (within(from, 'test') && within(to, 'bench')),
      ),
    ).toEqual([]);
    expect(violations(({ from, to }) => within(from, 'harness') && !within(to, 'harness'))).toEqual(
      [],
    );
  });
});
