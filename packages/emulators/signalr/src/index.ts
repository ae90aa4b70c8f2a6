import type { RunningEmulator } from '@fieldline/emulator-kit';
import { startSignalRServer } from './signalRServer';

export {
  type AccessTokenClaims,
  parseSignalRConnectionString,
  verifyAccessToken,
} from './protocol/accessToken';
export {
  type RunningSignalR,
  type SignalRServerOptions,
  startSignalRServer,
} from './signalRServer';

export interface SignalREmulatorOptions {
  /** 0 (the default) picks a free port. */
  readonly port?: number;
}

/** Starts the Azure SignalR Service emulator (serverless mode); `urls.connectionString` is for the SDKs. */
export async function start(options: SignalREmulatorOptions = {}): Promise<RunningEmulator> {
  const signalR = await startSignalRServer(options.port ?? 0);
  return {
    urls: { endpoint: signalR.endpoint, connectionString: signalR.connectionString },
    stop: () => signalR.stop(),
  };
}
