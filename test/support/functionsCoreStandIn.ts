import Module from 'node:module';

/** What `@azure/functions` handed the worker for one function. */
export interface RegisteredFunction {
  readonly metadata: {
    readonly name: string;
    readonly bindings: Record<
      string,
      Record<string, unknown> & { type: string; direction: 'in' | 'out' }
    >;
    readonly retryOptions?: Record<string, unknown>;
  };
  readonly callback: (...args: unknown[]) => unknown;
}

type ModuleLoader = { _load: (request: string, parent: unknown, isMain: boolean) => unknown };

/**
 * Stands in for `@azure/functions-core`, the module the Azure Functions Node.js worker provides to
 * the app at run time, and captures what the app registers. Returns the captures and an uninstall.
 */
export function installFunctionsCoreStandIn(): {
  registered: RegisteredFunction[];
  uninstall: () => void;
} {
  const registered: RegisteredFunction[] = [];
  const core = {
    registerFunction(
      metadata: RegisteredFunction['metadata'],
      callback: RegisteredFunction['callback'],
    ) {
      registered.push({ metadata, callback });
      return { dispose() {} };
    },
    registerHook: () => ({ dispose() {} }),
    setProgrammingModel() {},
    log() {},
  };
  const loader = Module as unknown as ModuleLoader;
  const original = loader._load;
  loader._load = function load(request, parent, isMain) {
    if (request === '@azure/functions-core') return core;
    return original.call(this, request, parent, isMain);
  };
  return {
    registered,
    uninstall: () => {
      loader._load = original;
    },
  };
}
