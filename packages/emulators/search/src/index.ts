import type { RunningEmulator } from '@fieldline/emulator-kit';
import { startSearchServer } from './searchServer';

export { type RunningSearch, startSearchServer } from './searchServer';

export interface SearchEmulatorOptions {
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** The admin key clients send as `api-key`; a random one when not given. */
  readonly apiKey?: string;
}

/** Starts the Azure AI Search emulator; `urls.endpoint` and `urls.apiKey` are what the SDK needs. */
export async function start(options: SearchEmulatorOptions = {}): Promise<RunningEmulator> {
  const search = await startSearchServer(
    options.port ?? 0,
    options.apiKey === undefined ? {} : { apiKey: options.apiKey },
  );
  return { urls: { endpoint: search.endpoint, apiKey: search.apiKey }, stop: () => search.stop() };
}
