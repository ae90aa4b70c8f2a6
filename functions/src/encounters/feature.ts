import type { FeatureParts, OptionalSettings } from '../host/feature';
import type { Services } from '../services';
import { createEncountersFunctions } from './encounters.function';
import type { EncounterConfig } from './settings';

export { readSettings } from './settings';

/** Users, verified phones, matching, SMS and in-app push; answers 503 naming the setting when off. */
export function create(
  settings: OptionalSettings<EncounterConfig>,
  shared: Services,
): FeatureParts {
  return {
    functions: createEncountersFunctions({
      encounters: shared.encounters,
      clientAccess: shared.clientAccess,
      realtime: shared.realtime,
      deadLetters: shared.deadLetters,
      problems: settings.problems,
    }),
  };
}
