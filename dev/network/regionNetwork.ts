import { azuriteConnectionString, type RunningAzurite } from '../azurite';
import { type Framing, startTcpProxy, type TcpProxy, type TcpProxyOptions } from './tcpProxy';

/**
 * The network between a function app and the services it calls, as a region would have it: every
 * route is a proxy that adds the same round-trip time. Used by `npm run bench -- --rtt <ms>` and
 * by the local cloud's `network` option.
 */
export interface RegionNetwork {
  readonly rttMs: number;
  /** A port on 127.0.0.1 that reaches `targetPort` through the network. */
  route(
    targetPort: number,
    framing: Framing,
    onRequest?: TcpProxyOptions['onRequest'],
  ): Promise<number>;
  /** Azurite's connection string, every service reached through the network. */
  storage(azurite: Pick<RunningAzurite, 'blobPort' | 'queuePort' | 'tablePort'>): Promise<string>;
  /** Whole requests that crossed the network, by the label of their route. */
  requests(): Readonly<Record<string, number>>;
  stop(): Promise<void>;
}

export function startRegionNetwork(rttMs: number): RegionNetwork {
  if (!Number.isFinite(rttMs) || rttMs < 0)
    throw new Error(`a round-trip time is a number of milliseconds from 0; got ${rttMs}`);
  const proxies: { label: string; proxy: TcpProxy }[] = [];
  const network: RegionNetwork = {
    rttMs,
    async route(targetPort, framing, onRequest) {
      const proxy = await startTcpProxy(targetPort, {
        rttMs,
        framing,
        ...(onRequest ? { onRequest } : {}),
      });
      proxies.push({ label: `${framing}:${targetPort}`, proxy });
      return proxy.port;
    },
    async storage(azurite) {
      return azuriteConnectionString({
        blobPort: await network.route(azurite.blobPort, 'http'),
        queuePort: await network.route(azurite.queuePort, 'http'),
        tablePort: await network.route(azurite.tablePort, 'http'),
      });
    },
    requests: () =>
      Object.fromEntries(proxies.map(({ label, proxy }) => [label, proxy.requests] as const)),
    async stop() {
      await Promise.all(proxies.splice(0).map(({ proxy }) => proxy.close()));
    },
  };
  return network;
}
