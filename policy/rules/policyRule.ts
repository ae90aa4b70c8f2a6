/** A resource as both runners see it: Pulumi's policy engine (`args`) and the offline synth. */
export interface PolicyResource {
  /** The Pulumi type token, e.g. `azure-native:storage:StorageAccount`. */
  readonly type: string;
  readonly name: string;
  /** The inputs sent to the provider; in a preview, values not yet known are undefined. */
  readonly props: Readonly<Record<string, unknown>>;
}

/**
 * One rule, written once and run twice: by `pulumi preview --policy-pack policy` (see index.ts)
 * and over `npm run synth` in `npm test`.
 */
export interface PolicyRule {
  /** Unique, as Pulumi policy names must be: letters, digits and hyphens. */
  readonly name: string;
  readonly description: string;
  /** Where the rule comes from: a Microsoft doc, a Checkov check, a provider issue. */
  readonly source: string;
  readonly category: 'security' | 'platform';
  readonly resourceTypes: readonly string[];
  /** `advisory` rules warn; every other rule stops the deployment. */
  readonly enforcementLevel?: 'mandatory' | 'advisory';
  /** Each way the resource breaks the rule, as a sentence naming what to change. */
  check(resource: PolicyResource): readonly string[];
}

/** Reads a nested prop by a dotted path, e.g. `siteConfig.minTlsVersion`. */
export function prop(resource: PolicyResource, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>(
      (value, key) =>
        value !== null && typeof value === 'object'
          ? (value as Record<string, unknown>)[key]
          : undefined,
      resource.props,
    );
}

/** Runs every rule over every resource it applies to. */
export function evaluate(
  rules: readonly PolicyRule[],
  resources: readonly PolicyResource[],
): { rule: string; resource: string; message: string }[] {
  return rules.flatMap((rule) =>
    resources
      .filter((resource) => rule.resourceTypes.includes(resource.type))
      .flatMap((resource) =>
        rule
          .check(resource)
          .map((message) => ({ rule: rule.name, resource: resource.name, message })),
      ),
  );
}

/** A rule with one condition: `ok` false gives `message`. */
export function requirement(
  spec: Omit<PolicyRule, 'check'> & {
    readonly ok: (resource: PolicyResource) => boolean;
    readonly message: string;
  },
): PolicyRule {
  const { ok, message, ...rule } = spec;
  return { ...rule, check: (resource) => (ok(resource) ? [] : [message]) };
}

/** True for a non-empty list of named `https://` origins, none of them `*`. */
export function namedHttpsOrigins(origins: unknown): boolean {
  return (
    Array.isArray(origins) &&
    origins.length > 0 &&
    origins.every((o) => typeof o === 'string' && o !== '*' && o.startsWith('https://'))
  );
}
