import { requireLikePulumi } from '../../infra/offline/loadLikePulumi';
import { type SynthesizedResource, synthesize } from '../../infra/offline/synthesize';

/** The dev stage, and the documented prod example, as `npm run synth` would print them. */
export const stacks = [
  { stack: 'dev', file: 'Pulumi.dev.yaml' },
  { stack: 'prod', file: 'Pulumi.prod.example.yaml' },
] as const;

export function synthesizeStack(stack: string, file: string): Promise<SynthesizedResource[]> {
  return synthesize(stack, () => requireLikePulumi('infra/index.ts'), file);
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
