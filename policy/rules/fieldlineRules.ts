import { platformRules } from './platformRules';
import type { PolicyRule } from './policyRule';
import { securityRules } from './securityRules';

/** Every rule of the pack: the same list `pulumi preview --policy-pack policy` and `npm test` run. */
export const fieldlineRules: readonly PolicyRule[] = [...securityRules, ...platformRules];
