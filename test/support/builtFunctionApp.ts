import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildFunctions } from '../../functions/build';
import {
  installFunctionsCoreStandIn,
  type ProgrammingModel,
  type RegisteredFunction,
} from './functionsCoreStandIn';

/** A storage connection string that parses but points nowhere, for loading the bundle. */
export const placeholderStorage =
  'DefaultEndpointsProtocol=http;AccountName=dev;AccountKey=a2V5;TableEndpoint=http://127.0.0.1:9/dev';

export interface BuiltFunctionApp {
  /** The deployable folder, exactly what One Deploy would receive. */
  readonly outDir: string;
  readonly registered: RegisteredFunction[];
  readonly programmingModel: ProgrammingModel;
  readonly hostJson: Record<string, unknown> & {
    extensionBundle: { id: string; version: string };
    extensions: Record<string, Record<string, unknown>>;
  };
  find(name: string): RegisteredFunction;
  cleanup(): Promise<void>;
}

/**
 * Builds the function bundle and loads it the way the Node.js worker does: through its
 * package.json `main`, with app settings in the environment and `@azure/functions-core` provided.
 */
export async function loadBuiltFunctionApp(
  settings: Record<string, string>,
): Promise<BuiltFunctionApp> {
  const outDir = await mkdtemp(path.join(os.tmpdir(), 'fieldline-bundle-'));
  await buildFunctions({ outDir });
  const standIn = installFunctionsCoreStandIn();
  const previous = Object.fromEntries(Object.keys(settings).map((key) => [key, process.env[key]]));
  Object.assign(process.env, settings);
  try {
    const { main } = JSON.parse(await readFile(path.join(outDir, 'package.json'), 'utf8')) as {
      main: string;
    };
    await import(pathToFileURL(path.join(outDir, main)).href);
  } finally {
    standIn.uninstall();
    for (const [key, value] of Object.entries(previous)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
  const hostJson = JSON.parse(await readFile(path.join(outDir, 'host.json'), 'utf8'));
  return {
    outDir,
    registered: standIn.registered,
    programmingModel: standIn.programmingModel(),
    hostJson,
    find(name) {
      const found = standIn.registered.find((r) => r.metadata.name === name);
      if (!found) throw new Error(`the bundle registers no function named ${name}`);
      return found;
    },
    cleanup: () => rm(outDir, { recursive: true, force: true }),
  };
}

/** The trigger binding of a registered function. */
export function triggerOf(fn: RegisteredFunction): Record<string, unknown> & { type: string } {
  const trigger = Object.values(fn.metadata.bindings).find(
    (b) => b.direction === 'in' && b.type.endsWith('Trigger'),
  );
  if (!trigger) throw new Error(`${fn.metadata.name} has no trigger binding`);
  return trigger;
}

/** The HTTP response as the worker returns it to the host: `{ http: { statusCode, headers, body } }` typed data. */
export function httpOf(
  returnValue: unknown,
): { status: number; json: unknown; text: string } | undefined {
  const http = (
    returnValue as
      | { http?: { statusCode: string; body?: { bytes?: Uint8Array; string?: string } } }
      | undefined
  )?.http;
  if (!http) return undefined;
  const text = http.body?.string ?? Buffer.from(http.body?.bytes ?? new Uint8Array()).toString();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: Number(http.statusCode), json, text };
}

/**
 * What the Node.js worker does per invocation, through the callbacks the bundle registered:
 * arguments from an RPC invocation request, the handler, outputs back to RPC.
 */
export async function invokeBuilt(
  app: BuiltFunctionApp,
  name: string,
  request: { inputData: unknown[]; triggerMetadata: unknown },
) {
  const fn = app.find(name);
  const logs: string[] = [];
  const model = app.programmingModel.getInvocationModel({
    invocationId: crypto.randomUUID(),
    request: { invocationId: 'test', functionId: name, ...request },
    metadata: fn.metadata,
    log: (_level: string, _category: string, message: string) => logs.push(message),
  });
  const { context, inputs } = await model.getArguments();
  const result = await model.invokeFunction(context, inputs, fn.callback);
  const response = await model.getResponse(context, result);
  return {
    context: context as { triggerMetadata?: Record<string, unknown> },
    response,
    http: httpOf(response.returnValue),
    logs,
  };
}
