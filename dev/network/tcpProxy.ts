import net from 'node:net';
import { type FrameReader, httpRequestFrames, mongoMessageFrames, rawFrames } from './frames';

/** How the proxy finds where one request ends in what a client sends. */
export type Framing = 'http' | 'mongodb' | 'raw';

export interface TcpProxyOptions {
  /**
   * Round-trip time to add: each request leaves for the target half of it after its last byte
   * arrived, and each piece of the answer reaches the client half of it after the target sent it.
   */
  readonly rttMs?: number;
  /** `http`: HTTP/1.1 with keep-alive; `mongodb`: the wire protocol's length-prefixed messages. */
  readonly framing?: Framing;
  /**
   * Called with each whole request a client sent: for `http` its request line and the bytes of
   * its body, for `mongodb` its command.
   */
  readonly onRequest?: (summary: string, bodyBytes: number | undefined) => void;
}

export interface TcpProxy {
  readonly port: number;
  /** Whole requests forwarded so far. */
  readonly requests: number;
  /** While down, open connections are cut and new ones refused: a dependency outage. */
  setDown(down: boolean): void;
  close(): Promise<void>;
}

const framers: Record<Framing, () => FrameReader> = {
  http: httpRequestFrames,
  mongodb: mongoMessageFrames,
  raw: rawFrames,
};

/**
 * Forwards 127.0.0.1:<port> to a target port. It can take the dependency away and back, and it can
 * put a region's network between a client and the target: a fixed delay each way, applied to
 * whole requests (so a request sent in several packets is not delayed several times) and to the
 * answer as it streams back. Order is kept on every connection, as TCP keeps it.
 */
export async function startTcpProxy(
  targetPort: number,
  options: TcpProxyOptions = {},
): Promise<TcpProxy> {
  const oneWayMs = (options.rttMs ?? 0) / 2;
  const framing = options.framing ?? 'raw';
  const sockets = new Set<net.Socket>();
  let down = false;
  let requests = 0;
  const later = (action: () => void) => {
    if (oneWayMs > 0) setTimeout(action, oneWayMs);
    else action();
  };

  const server = net.createServer((client) => {
    if (down) {
      client.destroy();
      return;
    }
    const upstream = net.connect(targetPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    const frames = framers[framing]();
    client.on('data', (chunk: Buffer) => {
      let complete: ReturnType<FrameReader['push']>;
      try {
        complete = frames.push(chunk);
      } catch {
        // Not the protocol this proxy was told to expect: a broken client, like a cut cable.
        client.destroy();
        upstream.destroy();
        return;
      }
      for (const frame of complete) {
        if (frame.request) {
          requests++;
          options.onRequest?.(frame.request, frame.bodyBytes);
        }
        later(() => upstream.write(frame.bytes));
      }
    });
    client.on('end', () => later(() => upstream.end()));
    upstream.on('data', (chunk: Buffer) => later(() => client.write(chunk)));
    upstream.on('end', () => later(() => client.end()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    get requests() {
      return requests;
    },
    setDown(value) {
      down = value;
      if (down) for (const socket of sockets) socket.destroy();
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
