import type { FeatureParts, OptionalSettings } from '../host/feature';
import type { Services } from '../services';
import { createCatalogFunctions } from './catalog.function';
import type { SearchConfig } from './settings';

export { readSettings } from './settings';

/** The track catalog in MongoDB and its search index. */
export function create(settings: OptionalSettings<SearchConfig>, shared: Services): FeatureParts {
  return {
    functions: createCatalogFunctions({
      ...shared.catalog,
      ...(settings.problems ? { problems: settings.problems } : {}),
    }),
  };
}
