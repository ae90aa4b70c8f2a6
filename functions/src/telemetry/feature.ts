import type { FeatureParts } from '../host/feature';
import type { Services } from '../services';
import { createDeviceApiFunctions } from './deviceApi.function';
import { createIngestTelemetryFunctions } from './ingestTelemetry.function';
import type { TelemetryConfig } from './settings';

export { readSettings } from './settings';

/** Ingest from the hub, device state, and the device API. */
export function create(_settings: TelemetryConfig, shared: Services): FeatureParts {
  return {
    functions: [
      ...createIngestTelemetryFunctions({
        ...shared,
        ...(shared.fleet.webhook ? { alarmWebhook: shared.fleet.webhook } : {}),
      }),
      ...createDeviceApiFunctions({ ...shared, tags: shared.fleet.tags }),
    ],
    probes: { storage: () => shared.deviceStates.probe() },
  };
}
