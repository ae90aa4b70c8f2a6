import type { FeatureParts, OptionalSettings } from '../host/feature';
import type { Services } from '../services';
import { createEncounterAccess } from './encounterAccess';
import { createEncounterMatchingFunctions } from './encounterMatching.function';
import { createEncountersFunctions } from './encounters.function';
import type { EncounterConfig } from './settings';
import { createUsersFunctions } from './users.function';

export { readSettings } from './settings';

/** Users, verified phones, matching, SMS and in-app push; answers 503 naming the setting when off. */
export function create(
  settings: OptionalSettings<EncounterConfig>,
  shared: Services,
): FeatureParts {
  const deps = {
    encounters: shared.encounters,
    clientAccess: shared.clientAccess,
    realtime: shared.realtime,
    deadLetters: shared.deadLetters,
    problems: settings.problems,
  };
  const access = createEncounterAccess(deps);
  return {
    functions: [
      ...createUsersFunctions(access, deps),
      ...createEncountersFunctions(access),
      ...createEncounterMatchingFunctions(access, deps),
    ],
  };
}
