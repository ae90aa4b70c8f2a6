import type { FeatureParts } from '../host/feature';
import type { Services } from '../services';
import { createAnalyticsFunctions } from './analytics.function';
import type { AnalyticsConfig } from './settings';

export { readSettings } from './settings';

/** Product events from the hub, counted per minute, and the analytics API. */
export function create(_settings: AnalyticsConfig, shared: Services): FeatureParts {
  return { functions: createAnalyticsFunctions(shared) };
}
