import type { FeatureParts, OptionalSettings } from '../host/feature';
import type { Services } from '../services';
import { createRoomsFunctions } from './rooms.function';
import type { RoomsConfig } from './settings';

export { readSettings } from './settings';

/** Collaborative rooms over SignalR's upstream; answers with the setting to fix when off. */
export function create(settings: OptionalSettings<RoomsConfig>, shared: Services): FeatureParts {
  return {
    functions: createRoomsFunctions({
      ...(shared.rooms ? { rooms: shared.rooms } : {}),
      clientAccess: shared.clientAccess,
      ...(settings.problems ? { problems: settings.problems } : {}),
    }),
  };
}
