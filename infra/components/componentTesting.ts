import * as pulumi from '@pulumi/pulumi';
import { type SynthesizedResource, synthesize } from '../offline/synthesize';

interface OutputsRequest {
  getUrn(): string;
  getOutputs(): { toJavaScript(): Record<string, unknown> } | undefined;
}

/**
 * For the `setMocks` tests beside each component: runs `create` under the same mocked providers as
 * `npm run synth` (with the dev stack's configuration) and returns what it declared, the names of
 * the outputs each component registered, and the error `create` threw, if it threw.
 */
export async function synthesizeComponent<T>(create: () => T): Promise<{
  readonly component: T | undefined;
  readonly error: Error | undefined;
  readonly resources: SynthesizedResource[];
  readonly registeredOutputs: Readonly<Record<string, readonly string[]>>;
}> {
  let component: T | undefined;
  let error: Error | undefined;
  const registeredOutputs: Record<string, string[]> = {};
  const resources = await synthesize('dev', () => {
    const monitor = pulumi.runtime.getMonitor() as unknown as {
      registerResourceOutputs(request: OutputsRequest, callback: unknown): unknown;
    };
    const register = monitor.registerResourceOutputs.bind(monitor);
    monitor.registerResourceOutputs = (request, callback) => {
      const name = request.getUrn().split('::').at(-1) ?? '';
      registeredOutputs[name] = Object.keys(request.getOutputs()?.toJavaScript() ?? {}).sort();
      return register(request, callback);
    };
    try {
      component = create();
    } catch (thrown) {
      error = thrown as Error;
    }
  });
  return { component, error, resources, registeredOutputs };
}

/** The children a component declared, by type. */
export function childrenOf(resources: readonly SynthesizedResource[], parent: string) {
  return resources.filter((resource) => resource.parent === parent);
}
