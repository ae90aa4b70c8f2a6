import type { InvocationContext } from '@azure/functions';
import type { SignalRFunctionDefinition, SignalRInvocation } from './functionDefinition';

type Fields = Record<string, unknown>;

/**
 * Reads a SignalR trigger's input. The Functions extension hands the worker its InvocationContext
 * serialised with PascalCase names (`ConnectionId`, `Arguments`, ...), as an object or as JSON
 * text; camelCase is accepted too. The extension's InvocationContext carries no invocation id
 * (azure-functions-signalrservice-extension, `TriggerBindings/Context/InvocationContext.cs`), so
 * `invocationId` is only ever what a host adds beside it.
 * https://learn.microsoft.com/azure/azure-functions/functions-bindings-signalr-service-trigger#invocationcontext
 */
export function readSignalRInvocation(input: unknown): SignalRInvocation {
  const fields = (typeof input === 'string' ? JSON.parse(input) : input) as Fields | null;
  if (!fields || typeof fields !== 'object')
    throw new Error('the SignalR trigger gave no invocation context');
  const field = (name: string): unknown =>
    fields[name] ?? fields[`${name[0]?.toLowerCase()}${name.slice(1)}`];
  const text = (name: string) => {
    const value = field(name);
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  const category = text('Category');
  const connectionId = text('ConnectionId');
  if (category !== 'connections' && category !== 'messages')
    throw new Error(`the SignalR trigger gave an unknown category ${String(category)}`);
  if (!connectionId) throw new Error('the SignalR trigger gave no connection id');
  const args = field('Arguments');
  return {
    hub: text('Hub') ?? '',
    category,
    event: text('Event') ?? '',
    connectionId,
    userId: text('UserId'),
    invocationId: text('InvocationId'),
    arguments: Array.isArray(args) ? args : [],
    error: text('Error'),
  };
}

/** The definition's handler behind the trigger's raw input: what both hosts register. */
export function signalRTriggerHandler(
  definition: SignalRFunctionDefinition,
): (input: unknown, context: InvocationContext) => Promise<unknown> {
  return (input, context) => definition.handler(readSignalRInvocation(input), context);
}
