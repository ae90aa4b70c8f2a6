import type { FeatureParts } from '../host/feature';
import type { Services } from '../services';
import { createModelsFunctions } from './models.function';

/** Device models: DTDL interfaces stored, checked and served (issue 31, first part). */
export function create(_settings: undefined, shared: Services): FeatureParts {
  return { functions: createModelsFunctions({ models: shared.models }) };
}
