import { gatewayUnavailable } from '../gateway/gateway.function';
import type { GatewayConfig } from '../gateway/settings';
import type { FeatureParts, OptionalSettings } from '../host/feature';
import { createModelChecks } from '../models/modelChecks';
import type { Services } from '../services';
import { createDeviceJobsFunctions } from './deviceJobs.function';
import { createDeviceTwinFunctions } from './deviceTwin.function';
import { createModelUsageFunctions } from './modelUsage.function';

// The hub connection is the gateway's: the same settings reach the registry and the twins.
export { readSettings } from '../gateway/settings';

/** Devices you talk back to: twins, commands and jobs through the hub, and who did what. */
export function create(settings: OptionalSettings<GatewayConfig>, shared: Services): FeatureParts {
  const { twins, jobs, activity } = shared.devices;
  const notConfigured = () => gatewayUnavailable(settings.problems);
  const checks = createModelChecks(shared.models);
  return {
    functions: [
      ...createDeviceTwinFunctions({
        ...(twins ? { twins } : {}),
        activity,
        checks,
        notConfigured,
      }),
      ...createDeviceJobsFunctions({
        ...(jobs ? { jobs } : {}),
        activity,
        tags: shared.fleet.tags,
        checks,
        notConfigured,
      }),
      ...createModelUsageFunctions({ ...(twins ? { twins } : {}), notConfigured }),
    ],
  };
}
