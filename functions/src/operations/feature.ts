import type { FeatureParts } from '../host/feature';
import { deadLetteringFunctions, type Services } from '../services';
import { createDeadLettersFunctions } from './deadLetters.function';
import { createRetentionFunctions } from './retention.function';
import type { OperationsConfig } from './settings';

export { readSettings } from './settings';

/** The dead letters API and the daily retention run. */
export function create(_settings: OperationsConfig, shared: Services): FeatureParts {
  return {
    functions: [
      ...createDeadLettersFunctions(shared.deadLetters, deadLetteringFunctions),
      ...createRetentionFunctions(shared.retention),
    ],
  };
}
