import type { FeatureParts, OptionalSettings } from '../host/feature';
import type { Services } from '../services';
import { createDeviceJobsFunctions } from './deviceJobs.function';
import { createDeviceTwinFunctions } from './deviceTwin.function';
import { createGatewayFunctions, gatewayUnavailable } from './gateway.function';
import type { GatewayConfig } from './settings';

export { readSettings } from './settings';

/** Device registration and decommissioning, the browser proxy and the pull feed. */
export function create(settings: OptionalSettings<GatewayConfig>, shared: Services): FeatureParts {
  const { registry, feed } = shared.gateway;
  return {
    functions: [
      ...createGatewayFunctions({ ...shared.gateway, problems: settings.problems }),
      ...createDeviceTwinFunctions({
        ...(shared.gateway.twins ? { twins: shared.gateway.twins } : {}),
        activity: shared.gateway.activity,
        notConfigured: () => gatewayUnavailable(settings.problems),
      }),
      ...createDeviceJobsFunctions({
        ...(shared.gateway.jobs ? { jobs: shared.gateway.jobs } : {}),
        activity: shared.gateway.activity,
        tags: shared.fleet.tags,
        notConfigured: () => gatewayUnavailable(settings.problems),
      }),
    ],
    probes: {
      iotHubRegistry: registry ? () => registry.probe() : undefined,
      eventFeed: feed ? () => feed.partitionIds().then(() => undefined) : undefined,
    },
  };
}
