import { isValidDeviceId } from '../host/deviceId';
import { freeTextProblem } from '../host/freeText';
import { type MeasurementName, measurementNames } from '../telemetry/measurements';

export const comparisonOperators = ['>', '>=', '<', '<='] as const;
export type ComparisonOperator = (typeof comparisonOperators)[number];
export const severities = ['info', 'warning', 'critical'] as const;
export type Severity = (typeof severities)[number];

/** Which devices a rule watches: one device, the devices with a tag, or the whole fleet. */
export type AlarmScope =
  | { readonly deviceId: string }
  | { readonly tag: string }
  | { readonly fleet: true };

interface RuleBase {
  readonly ruleId: string;
  readonly scope: AlarmScope;
  readonly severity: Severity;
  readonly description: string;
}

/** Raised when `metric op threshold` has held for `forSeconds` of readings; cleared when it does not. */
export interface ThresholdRule extends RuleBase {
  readonly kind: 'threshold';
  readonly metric: MeasurementName;
  readonly op: ComparisonOperator;
  readonly threshold: number;
  readonly forSeconds: number;
}

/** Raised when a device has sent nothing for `afterSeconds`; cleared when it sends again. */
export interface OfflineRule extends RuleBase {
  readonly kind: 'offline';
  readonly afterSeconds: number;
}

export type AlarmRule = ThresholdRule | OfflineRule;

export const ruleIdPattern = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const tagPattern = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;
export const maxTagsPerDevice = 20;
const maxForSeconds = 24 * 60 * 60;
const maxDescription = 500;

export type Parsed<T> = { ok: true; value: T } | { ok: false; problems: string[] };

/**
 * A rule as `PUT /api/alarm-rules/{ruleId}` takes it, checked field by field; every problem is
 * named. The dashboard's rule editor runs the same check.
 */
export function parseAlarmRule(ruleId: string, body: unknown): Parsed<AlarmRule> {
  const problems: string[] = [];
  if (!ruleIdPattern.test(ruleId))
    problems.push(
      'ruleId is 1-63 lower-case letters, digits and dashes, starting with a letter or digit',
    );
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return { ok: false, problems: [...problems, 'the body must be a JSON object'] };
  const input = body as Record<string, unknown>;
  const kind = input.kind ?? 'threshold';
  const scope = parseScope(input.scope, problems);
  const severity = input.severity ?? 'warning';
  if (!severities.includes(severity as Severity))
    problems.push(`severity is one of ${severities.join(', ')}`);
  const description = input.description ?? '';
  if (typeof description !== 'string' || description.length > maxDescription)
    problems.push(`description is text of at most ${maxDescription} characters`);
  else {
    const unprintable = freeTextProblem('description', description);
    if (unprintable) problems.push(unprintable);
  }
  const base = {
    ruleId,
    scope: scope as AlarmScope,
    severity: severity as Severity,
    description: description as string,
  };
  if (kind === 'offline') {
    const afterSeconds = input.afterSeconds;
    if (!isWhole(afterSeconds, 60, 30 * 24 * 60 * 60))
      problems.push(
        'afterSeconds is a whole number from 60 to 2592000 (the timer runs each minute)',
      );
    return problems.length > 0
      ? { ok: false, problems }
      : { ok: true, value: { ...base, kind, afterSeconds: afterSeconds as number } };
  }
  if (kind !== 'threshold') problems.push('kind is threshold (the default) or offline');
  const { metric, op, threshold } = input;
  const forSeconds = input.forSeconds ?? 0;
  if (!measurementNames.includes(metric as MeasurementName))
    problems.push(`metric is one of ${measurementNames.join(', ')}`);
  if (!comparisonOperators.includes(op as ComparisonOperator))
    problems.push(`op is one of ${comparisonOperators.join(' ')}`);
  if (typeof threshold !== 'number' || !Number.isFinite(threshold))
    problems.push('threshold is a number');
  if (!isWhole(forSeconds, 0, maxForSeconds))
    problems.push(`forSeconds is a whole number from 0 to ${maxForSeconds}`);
  return problems.length > 0
    ? { ok: false, problems }
    : {
        ok: true,
        value: {
          ...base,
          kind: 'threshold',
          metric: metric as MeasurementName,
          op: op as ComparisonOperator,
          threshold: threshold as number,
          forSeconds: forSeconds as number,
        },
      };
}

function parseScope(scope: unknown, problems: string[]): AlarmScope | undefined {
  const rule = 'scope is {"deviceId": "..."}, {"tag": "..."} or {"fleet": true}';
  if (typeof scope !== 'object' || scope === null || Array.isArray(scope)) {
    problems.push(rule);
    return undefined;
  }
  const keys = Object.keys(scope);
  const value = scope as Record<string, unknown>;
  if (keys.length !== 1) {
    problems.push(rule);
    return undefined;
  }
  if (keys[0] === 'fleet' && value.fleet === true) return { fleet: true };
  if (
    keys[0] === 'deviceId' &&
    typeof value.deviceId === 'string' &&
    isValidDeviceId(value.deviceId)
  )
    return { deviceId: value.deviceId };
  if (keys[0] === 'tag' && typeof value.tag === 'string' && tagPattern.test(value.tag))
    return { tag: value.tag };
  problems.push(rule);
  return undefined;
}

/** Tags for `PUT /api/devices/{id}/tags`: at most 20, each 1-64 letters, digits, `_ . : -`. */
export function parseTags(body: unknown): Parsed<string[]> {
  const tags = (body as { tags?: unknown } | null)?.tags;
  if (!Array.isArray(tags)) return { ok: false, problems: ['the body is {"tags": ["..."]}'] };
  const problems: string[] = [];
  if (tags.length > maxTagsPerDevice)
    problems.push(`a device has at most ${maxTagsPerDevice} tags; got ${tags.length}`);
  for (const tag of tags) {
    if (typeof tag !== 'string' || !tagPattern.test(tag))
      problems.push(
        `tag ${JSON.stringify(tag)} must be 1-64 letters, digits, "_", ".", ":" or "-", starting with a letter or digit`,
      );
  }
  return problems.length > 0
    ? { ok: false, problems }
    : { ok: true, value: [...new Set(tags as string[])].sort() };
}

export function ruleApplies(rule: AlarmRule, deviceId: string, tags: readonly string[]): boolean {
  const { scope } = rule;
  if ('fleet' in scope) return true;
  if ('deviceId' in scope) return scope.deviceId === deviceId;
  return tags.includes(scope.tag);
}

export function conditionHolds(rule: ThresholdRule, value: number): boolean {
  switch (rule.op) {
    case '>':
      return value > rule.threshold;
    case '>=':
      return value >= rule.threshold;
    case '<':
      return value < rule.threshold;
    case '<=':
      return value <= rule.threshold;
  }
}

function isWhole(value: unknown, min: number, max: number): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}
