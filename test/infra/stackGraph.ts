import { createRequire } from 'node:module';
import path from 'node:path';
import { type SynthesizedResource, synthesize } from '../../infra/synthesize';

const repoRoot = path.resolve(__dirname, '../..');
const requireLikePulumi = createRequire(path.join(repoRoot, 'infra/index.ts'));
let tsNodeRegistered = false;

/**
 * Loads `infra/` the way Pulumi's Node.js runtime does: through ts-node with the project's
 * tsconfig (transpile-only here; `npm run typecheck` checks types), as plain CommonJS, which is
 * also what lets Pulumi serialise the dynamic providers' code.
 */
function loadProgram(): unknown {
  if (!tsNodeRegistered) {
    requireLikePulumi('ts-node').register({
      project: path.join(repoRoot, 'tsconfig.json'),
      transpileOnly: true,
    });
    tsNodeRegistered = true;
  }
  for (const key of Object.keys(requireLikePulumi.cache)) {
    if (!key.includes(`${path.sep}node_modules${path.sep}`) && key.startsWith(repoRoot))
      delete requireLikePulumi.cache[key];
  }
  return requireLikePulumi(path.join(repoRoot, 'infra/index.ts'));
}

/** The dev stage, and the documented prod example, as `npm run synth` would print them. */
export const stacks = [
  { stack: 'dev', file: 'Pulumi.dev.yaml' },
  { stack: 'prod', file: 'Pulumi.prod.example.yaml' },
] as const;

export function synthesizeStack(stack: string, file: string): Promise<SynthesizedResource[]> {
  return synthesize(stack, loadProgram, file);
}

export function ofType(graph: readonly SynthesizedResource[], type: string): SynthesizedResource[] {
  return graph.filter((resource) => resource.type === type);
}

export function one(graph: readonly SynthesizedResource[], type: string): SynthesizedResource {
  const found = ofType(graph, type);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0] as SynthesizedResource;
}

/** Reads a nested input by path, e.g. `properties.minTlsVersion`. */
export function input(resource: SynthesizedResource, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>(
      (value, key) => (value as Record<string, unknown> | undefined)?.[key],
      resource.inputs,
    );
}
