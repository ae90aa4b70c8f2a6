import { PolicyPack } from '@pulumi/policy';
import { fieldlineRules } from './rules/fieldlineRules';
import { lifecycleRules } from './rules/lifecycle';

// Run with: pulumi preview --policy-pack policy
// The same rules run offline over `npm run synth` in npm test (test/infra/policy.test.ts), the
// retirement radar there with a pinned clock and with today's.
new PolicyPack('fieldline', {
  policies: [...fieldlineRules, ...lifecycleRules(() => new Date())].map((rule) => ({
    name: rule.name,
    description: `${rule.description} (${rule.source})`,
    enforcementLevel: rule.enforcementLevel ?? 'mandatory',
    validateResource: (args, reportViolation) => {
      if (!rule.resourceTypes.includes(args.type)) return;
      for (const message of rule.check({ type: args.type, name: args.name, props: args.props }))
        reportViolation(message);
    },
  })),
});
