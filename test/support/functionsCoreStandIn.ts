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

/** The part of the library's programming model the worker drives for each invocation. */
export interface ProgrammingModel {
  getInvocationModel(coreCtx: unknown): {
    getArguments(): Promise<{ context: unknown; inputs: unknown[] }>;
    invokeFunction(
      context: unknown,
      inputs: unknown[],
      handler: RegisteredFunction['callback'],
    ): Promise<unknown>;
    getResponse(
      context: unknown,
      result: unknown,
    ): Promise<{
      outputData?: { name: string; data: Record<string, unknown> }[];
      returnValue?: unknown;
    }>;
  };
}

type ModuleLoader = { _load: (request: string, parent: unknown, isMain: boolean) => unknown };

/**
 * Stands in for `@azure/functions-core`, the module the Azure Functions Node.js worker provides to
 * the app at run time: it captures what the app registers and the programming model the worker
 * would drive invocations through.
 */
export function installFunctionsCoreStandIn(): {
  registered: RegisteredFunction[];
  programmingModel: () => ProgrammingModel;
  uninstall: () => void;
} {
  const registered: RegisteredFunction[] = [];
  let model: ProgrammingModel | undefined;
  const core = {
    registerFunction(
      metadata: RegisteredFunction['metadata'],
      callback: RegisteredFunction['callback'],
    ) {
      registered.push({ metadata, callback });
      return { dispose() {} };
    },
    registerHook: () => ({ dispose() {} }),
    setProgrammingModel(programmingModel: ProgrammingModel) {
      model = programmingModel;
    },
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
    programmingModel: () => {
      if (!model) throw new Error('the app never set its programming model');
      return model;
    },
    uninstall: () => {
      loader._load = original;
    },
  };
}
