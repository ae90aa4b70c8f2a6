import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  type FunctionHostOptions,
  type FunctionKeys,
  type HostJson,
  type PartitionedEventSource,
  type RunningFunctionHost,
  startFunctionHost,
} from '@fieldline/functions-host';
import {
  createFunctionDefinitions,
  createServices,
  type EventFeedSource,
  loadConfig,
  settingNames,
} from '../functions/src/hosting';

export interface LocalFunctionApp {
  /** The host the API is on; a restart (a fault, for the soak) replaces it. */
  host: RunningFunctionHost;
  /** What a restarted host is started with. */
  readonly hostOptions: FunctionHostOptions;
  /** The SignalR extension's webhook on each instance, for the SignalR emulator's upstream. */
  readonly upstreamUrls: readonly string[];
}

/**
 * fieldline's function app on the local host, as `index.ts` registers it in Azure, plus extra
 * instances for the SignalR-triggered functions when asked (as Azure scales out). Each part it
 * starts goes into `started`, to be stopped in reverse.
 */
export async function startLocalFunctionApp(options: {
  readonly settings: Record<string, string>;
  readonly events: { readonly eventHubName: string; readonly source: PartitionedEventSource };
  readonly eventFeed: EventFeedSource;
  readonly keys: FunctionKeys;
  readonly port: number;
  readonly corsOrigins: readonly string[];
  readonly repoRoot: string;
  readonly log: (line: string) => void;
  readonly started: { stop(): Promise<void> }[];
  readonly healthCacheMs?: number;
  readonly onRoomConflict?: () => void;
  readonly upstreamInstances?: number;
}): Promise<LocalFunctionApp> {
  const { settings, keys, started, log } = options;
  const conflicts = options.onRoomConflict ? { onRoomConflict: options.onRoomConflict } : {};
  const services = createServices(loadConfig(settings), {
    eventFeed: options.eventFeed,
    ...(options.healthCacheMs === undefined ? {} : { healthCacheMs: options.healthCacheMs }),
    ...conflicts,
  });
  // Stopped after the host (parts stop in reverse), so no invocation is left mid-query.
  started.push({ stop: () => services.close() });
  const hostJson = JSON.parse(
    await readFile(path.join(options.repoRoot, 'functions/host.json'), 'utf8'),
  ) as HostJson;
  const hostOptions: FunctionHostOptions = {
    definitions: createFunctionDefinitions(services),
    settings,
    keys,
    ...(services.authenticate ? { authenticate: services.authenticate } : {}),
    port: options.port,
    corsOrigins: options.corsOrigins,
    eventHubs: (connection, name) =>
      connection === settingNames.iotHubEventHub && name === options.events.eventHubName
        ? options.events.source
        : undefined,
    hostJson,
    log,
    checkpoints: new Map<string, number>(),
  };
  const app: LocalFunctionApp = {
    host: await startFunctionHost(hostOptions),
    hostOptions,
    upstreamUrls: [],
  };
  started.push({ stop: () => app.host.stop() });
  const webhook = (baseUrl: string) =>
    `${baseUrl}/runtime/webhooks/signalr?code=${keys.systemKeys.signalr_extension}`;
  const upstreamUrls = app.upstreamUrls as string[];
  for (let instance = 1; instance < (options.upstreamInstances ?? 1); instance++) {
    const more = createServices(loadConfig(settings), conflicts);
    started.push({ stop: () => more.close() });
    const extra = await startFunctionHost({
      ...hostOptions,
      definitions: createFunctionDefinitions(more).filter((d) => d.kind === 'signalR'),
      port: 0,
    });
    started.push(extra);
    upstreamUrls.push(webhook(extra.baseUrl));
  }
  upstreamUrls.push(webhook(app.host.baseUrl));
  // As the Azure entry point does: MongoDB's and the search index now, not on first use.
  services
    .prepare()
    .catch((error: unknown) => log(`MongoDB or search is not reachable yet: ${String(error)}`));
  return app;
}
