import type { RunningSignalR } from '@fieldline/signalr-emulator';
import { HubConnectionBuilder, LogLevel } from '@microsoft/signalr';
import { signAccessToken } from '../../functions/src/realtime/serviceToken';

export interface HubListener {
  /** Every message received, in order, as `{target, arguments}`. */
  readonly received: { target: string; arguments: unknown[] }[];
  /** Resolves once `count` messages have arrived (or rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A client of the SignalR stand-in through the official client, as a dashboard (or, with a user
 * id, an app) would be: it records what the functions sent to the hub.
 */
export async function listenToHub(
  service: RunningSignalR,
  hub: string,
  targets: readonly string[],
  userId?: string,
): Promise<HubListener> {
  const url = `${service.endpoint}/client/?hub=${hub}`;
  const token = signAccessToken(
    {
      aud: url,
      exp: Math.floor(Date.now() / 1000) + 600,
      ...(userId ? { nameid: userId } : {}),
    },
    service.accessKey,
  );
  const connection = new HubConnectionBuilder()
    .withUrl(url, { accessTokenFactory: () => token })
    .configureLogging(LogLevel.None)
    .build();
  const received: { target: string; arguments: unknown[] }[] = [];
  for (const target of targets)
    connection.on(target, (...args: unknown[]) => received.push({ target, arguments: args }));
  await connection.start();
  return {
    received,
    async waitFor(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > deadline)
          throw new Error(`${received.length} of ${count} messages arrived on hub ${hub}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    stop: () => connection.stop(),
  };
}
