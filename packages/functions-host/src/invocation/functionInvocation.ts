import { InvocationContext } from '@azure/functions';
import type { FunctionDefinition } from '@fieldline/functions/hosting';

export interface InvocationOptions {
  readonly triggerMetadata?: Record<string, unknown>;
  /** Receives each `context.log`/`warn`/`error` line, already prefixed by level. */
  readonly log?: (line: string) => void;
  readonly invocationId?: string;
  /** Set on re-runs under a retry policy, as the host does. */
  readonly retryContext?: { readonly retryCount: number; readonly maxRetryCount: number };
}

/**
 * An `InvocationContext` for one run of a definition, as the Functions host builds it: the
 * definition's bindings, the trigger metadata, and logs routed with the function name and
 * invocation id. Outputs the handler sets are read back with `context.extraOutputs.get(...)`.
 */
export function createInvocationContext(
  definition: FunctionDefinition,
  options: InvocationOptions = {},
): InvocationContext {
  const invocationId = options.invocationId ?? crypto.randomUUID();
  return new InvocationContext({
    invocationId,
    functionName: definition.name,
    triggerMetadata: options.triggerMetadata ?? {},
    ...(options.retryContext ? { retryContext: { ...options.retryContext } } : {}),
    options: {
      extraInputs: [...(definition.extraInputs ?? [])],
      extraOutputs: [...(definition.extraOutputs ?? [])],
    },
    logHandler: (level, ...args) =>
      options.log?.(
        `${level}: [${definition.name} ${invocationId.slice(0, 8)}] ${args.map(formatLogArg).join(' ')}`,
      ),
  });
}

function formatLogArg(arg: unknown): string {
  if (arg instanceof Error) return arg.stack ?? arg.message;
  return typeof arg === 'string' ? arg : JSON.stringify(arg);
}
