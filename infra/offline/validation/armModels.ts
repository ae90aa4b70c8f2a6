import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { CompositeMapper, Mapper, OperationURLParameter } from '@azure/core-client';
import { buildSync } from 'esbuild';

/** An autorest package's models: its mappers by class name, and its operation parameters. */
export interface ArmModels {
  readonly mappers: Readonly<Record<string, CompositeMapper>>;
  /** Operation parameters by their export name (`accountName`, `accountName1`, ...). */
  readonly parameters: Readonly<Record<string, OperationURLParameter>>;
}

const repoRequire = createRequire(__filename);
const cache = new Map<string, ArmModels>();

/**
 * Loads the request models the autorest generator wrote into an `@azure/arm-*` package: the
 * `mappers` (types, required properties, enums) and `parameters` (path parameters with their
 * patterns and lengths). They are internal ES modules, so they are bundled to CommonJS here; the
 * pinned versions are the last that ship them (the TypeSpec-generated majors do not).
 */
export function loadArmModels(packageName: string): ArmModels {
  const cached = cache.get(packageName);
  if (cached) return cached;
  const root = path.dirname(repoRequire.resolve(`${packageName}/package.json`));
  const dir = ['dist/esm/models', 'dist-esm/src/models', 'esm/models']
    .map((candidate) => path.join(root, candidate))
    .find((candidate) => existsSync(path.join(candidate, 'mappers.js')));
  if (!dir)
    throw new Error(
      `${packageName} ships no autorest models; pin a version that does (see package.json)`,
    );
  const packageRequire = createRequire(path.join(root, 'package.json'));
  const load = (file: string): Record<string, unknown> => {
    const { outputFiles } = buildSync({
      entryPoints: [path.join(dir, file)],
      bundle: true,
      format: 'cjs',
      platform: 'node',
      write: false,
      logLevel: 'silent',
      packages: 'external',
    });
    const module = { exports: {} as Record<string, unknown> };
    new Function('module', 'exports', 'require', outputFiles[0]?.text ?? '')(
      module,
      module.exports,
      packageRequire,
    );
    return module.exports;
  };
  const mappers = load('mappers.js') as Record<string, CompositeMapper>;
  const parameters = Object.fromEntries(
    Object.entries(load('parameters.js')).filter(
      (entry): entry is [string, OperationURLParameter] =>
        typeof entry[1] === 'object' &&
        entry[1] !== null &&
        'parameterPath' in entry[1] &&
        'mapper' in entry[1],
    ),
  );
  const models = { mappers, parameters };
  cache.set(packageName, models);
  return models;
}

/**
 * The path parameter of that name. Autorest exports the first operation's as `name` and variants
 * of other operations as `name1`, `name2`...; the unnumbered one belongs to the resource's own
 * operations (for storage, `accountName` carries the pattern; `accountName2`, a listing's, does not).
 */
export function pathParameter(models: ArmModels, name: string): Mapper | undefined {
  const parameter = models.parameters[name];
  return parameter && parameter.mapper.serializedName === name ? parameter.mapper : undefined;
}
