import { AppError } from '../host/appError';
import type { FeatureParts, OptionalSettings } from '../host/feature';
import type { Services } from '../services';
import { createEnrollmentGroups } from './enrollmentGroups';
import { createEnrollmentGroupsFunctions } from './enrollmentGroups.function';
import type { ProvisioningConfig } from './settings';

export { readSettings } from './settings';

/** Zero-touch provisioning: the stage's DPS enrollment groups, through its service API. */
export function create(
  settings: OptionalSettings<ProvisioningConfig>,
  _shared: Services,
): FeatureParts {
  const groups = settings.config && createEnrollmentGroups({ config: settings.config });
  return {
    functions: createEnrollmentGroupsFunctions({
      ...(groups ? { groups } : {}),
      notConfigured: () =>
        new AppError(
          'unavailable',
          settings.problems?.length
            ? `provisioning is misconfigured: ${settings.problems.join('; ')}`
            : 'this stage has no Device Provisioning Service (DPS_HOSTNAME is not set)',
        ),
    }),
  };
}
