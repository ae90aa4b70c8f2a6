import type { FeatureParts, OptionalSettings } from '../host/feature';
import type { Services } from '../services';
import { createNegotiateFunctions } from './negotiate.function';
import type { RealtimeConfig } from './settings';

export { readSettings } from './settings';

/** SignalR: client negotiate for the operators' and users' hubs; REST sends are best effort. */
export function create(
  _settings: OptionalSettings<RealtimeConfig>,
  shared: Services,
): FeatureParts {
  const { realtime } = shared;
  return {
    functions: createNegotiateFunctions(shared.clientAccess),
    probes: { realtimeDelivery: realtime.configured ? () => realtime.check() : undefined },
  };
}
