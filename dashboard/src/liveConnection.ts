import { HubConnectionBuilder, LogLevel } from '@microsoft/signalr';

export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'offline';

export interface LiveConnectionOptions {
  readonly apiBaseUrl: string;
  /** The operator's token for negotiate; the service's own token replaces it after the redirect. */
  readonly accessToken: () => Promise<string>;
  readonly handlers: Readonly<Record<string, (...args: never[]) => void>>;
  readonly onState: (state: ConnectionState, detail?: string) => void;
  /** Called after every (re)connection: the page re-reads the API so nothing missed stays missing. */
  readonly onConnected: () => void;
}

/** Capped exponential backoff with jitter: 0.5 s, 1 s, 2 s … 30 s. */
export function reconnectDelay(attempt: number, random: () => number = Math.random): number {
  return Math.min(30_000, 500 * 2 ** attempt) * (0.8 + random() * 0.4);
}

/**
 * A SignalR connection through the function app's `/negotiate`, which redirects to the service.
 * It never gives up: automatic reconnects with backoff, then a fresh start loop.
 */
export function connectLive(options: LiveConnectionOptions): {
  /** Invokes a hub method (the rooms hub takes invocations; the operators' hub does not). */
  invoke<T>(method: string, ...args: unknown[]): Promise<T>;
  stop(): Promise<void>;
} {
  const connection = new HubConnectionBuilder()
    .withUrl(options.apiBaseUrl, { accessTokenFactory: options.accessToken })
    .withAutomaticReconnect({
      nextRetryDelayInMilliseconds: (context) => reconnectDelay(context.previousRetryCount),
    })
    .configureLogging(LogLevel.Warning)
    .build();
  for (const [target, handler] of Object.entries(options.handlers)) {
    connection.on(target, handler as (...args: unknown[]) => void);
  }
  let stopped = false;
  let attempt = 0;

  const start = async () => {
    while (!stopped) {
      options.onState(
        attempt === 0 ? 'connecting' : 'reconnecting',
        attempt ? `attempt ${attempt + 1}` : undefined,
      );
      try {
        await connection.start();
        attempt = 0;
        options.onState('live');
        options.onConnected();
        return;
      } catch (error) {
        options.onState('offline', error instanceof Error ? error.message : String(error));
        await new Promise((resolve) => setTimeout(resolve, reconnectDelay(attempt++)));
      }
    }
  };

  connection.onreconnecting(() => options.onState('reconnecting'));
  connection.onreconnected(() => {
    options.onState('live');
    options.onConnected();
  });
  connection.onclose(() => {
    if (!stopped) void start();
  });
  void start();
  return {
    invoke: (method, ...args) => connection.invoke(method, ...args),
    async stop() {
      stopped = true;
      await connection.stop();
    },
  };
}
