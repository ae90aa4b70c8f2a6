import type { FeatureParts, OptionalSettings } from '../host/feature';
import type { Services } from '../services';
import { createGatewayFunctions } from './gateway.function';
import type { GatewayConfig } from './settings';

export { readSettings } from './settings';

/** Device registration and decommissioning, the browser proxy and the pull feed. */
export function create(settings: OptionalSettings<GatewayConfig>, shared: Services): FeatureParts {
  const { registry, feed } = shared.gateway;
  return {
    functions: createGatewayFunctions({ ...shared.gateway, problems: settings.problems }),
    probes: {
      iotHubRegistry: registry ? () => registry.probe() : undefined,
      eventFeed: feed ? () => feed.partitionIds().then(() => undefined) : undefined,
    },
  };
}
