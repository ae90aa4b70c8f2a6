import { existsSync, readdirSync, readFileSync } from 'node:fs';
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
    'dev',
    'tools',
    'simulator',
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
/** The function app by package name (`@fieldline/functions/...`), not the host package. */
const isApp = (to: string) =>
  to === '@fieldline/functions' || to.startsWith('@fieldline/functions/');
const violations = (rule: (edge: { from: string; to: string }) => boolean) =>
  edges.filter(rule).map(({ from, to }) => `${from} -> ${to}`);

describe('layers', () => {
  it('finds the imports it checks', () => {
    expect(edges.length).toBeGreaterThan(500);
    expect(edges).toContainEqual({ from: 'dev/localCloud.ts', to: 'functions/src/hosting' });
    expect(edges).toContainEqual({
      from: 'packages/functions-host/src/functionHost.ts',
      to: '@fieldline/functions/hosting',
    });
  });

  it('keeps the function app free of the hosts, tools, tests and infrastructure around it', () => {
    const around = ['dev', 'tools', 'simulator', 'packages', 'bench', 'test', 'harness', 'infra'];
    expect(
      violations(
        ({ from, to }) =>
          within(from, 'functions') &&
          ([...around, 'dashboard'].some((folder) => within(to, folder)) ||
            (to.startsWith('@fieldline/') && !isApp(to))),
      ),
    ).toEqual([]);
  });

  it('lets the local cloud, the tools and the simulator use the function app only through its hosting entry', () => {
    const outside = ['dev', 'tools', 'simulator', 'packages'];
    expect(
      violations(
        ({ from, to }) =>
          outside.some((folder) => within(from, folder)) &&
          ((within(to, 'functions') && to !== 'functions/src/hosting') ||
            (isApp(to) && to !== '@fieldline/functions/hosting')),
      ),
    ).toEqual([]);
  });

  it('keeps the tools and the simulator free of the local cloud: they work against Azure too', () => {
    expect(
      violations(
        ({ from, to }) =>
          (within(from, 'tools') || within(from, 'simulator')) &&
          (within(to, 'dev') ||
            (to.startsWith('@fieldline/') && to !== '@fieldline/emulator-kit' && !isApp(to))),
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
    // The host reads events through its own interface, so no emulator is part of it.
    expect(
      violations(
        ({ from, to }) =>
          within(from, 'packages/functions-host') &&
          to.startsWith('@fieldline/') &&
          !['@fieldline/emulator-kit', '@fieldline/functions/hosting'].includes(to),
      ),
    ).toEqual([]);
    expect(edges.some(({ from }) => within(from, 'packages/emulator-kit'))).toBe(true);
  });

  it('lets the dashboard reach the function app only through each feature’s contract.ts', () => {
    expect(
      violations(
        ({ from, to }) =>
          within(from, 'dashboard/src') &&
          within(to, 'functions') &&
          !/^functions\/src\/[a-z]+\/contract$/.test(to),
      ),
    ).toEqual([]);
    expect(
      edges.some(({ from, to }) => within(from, 'dashboard') && to.endsWith('/contract')),
    ).toBe(true);
  });

  it('lists every feature once in functionDefinitions.ts, through its feature.ts', () => {
    const wired = edges
      .filter(({ from }) => from === 'functions/src/functionDefinitions.ts')
      .map(({ to }) => to);
    expect(wired.filter((to) => to.endsWith('.function')).sort()).toEqual([
      'functions/src/health/health.function',
    ]);
    const features = readdirSync(path.join(root, 'functions/src'), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .filter((name) => existsSync(path.join(root, 'functions/src', name, 'feature.ts')));
    expect(features.length).toBeGreaterThan(8);
    for (const feature of features) expect(wired).toContain(`functions/src/${feature}/feature`);
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
