import { type CompositeMapper, createSerializer, type Mapper } from '@azure/core-client';
import type { SynthesizedResource } from '../synthesize';
import { type ArmModels, loadArmModels, pathParameter } from './armModels';
import { armResourceSpecs, pathOnlyInputs } from './armResourceSpecs';

/** One way a synthesized resource's ARM request breaks Microsoft's generated constraints. */
export interface ArmProblem {
  readonly resource: string;
  readonly type: string;
  /** Where in the request: `path.accountName`, `body.siteConfig.ftpsState`, ... */
  readonly at: string;
  readonly message: string;
}

/**
 * Checks a synthesized resource as the ARM request it becomes, against the request models that
 * autorest generated from Microsoft's REST specs into the `@azure/arm-*` packages:
 * - path parameters (the resource's name and its parents'): required, pattern, length;
 * - the body: required properties, types, closed enums, patterns, lengths and ranges, properties
 *   the API does not know, and read-only properties set in a request.
 * What only ARM can reject (global uniqueness, quotas, regional feature gaps, rules between
 * properties) is out of its reach; the policy rules cover the documented ones.
 */
export function validateArmRequest(resource: SynthesizedResource): ArmProblem[] {
  const spec = armResourceSpecs[resource.type];
  if (!spec) return [];
  const models = loadArmModels(spec.package);
  const body = models.mappers[spec.body];
  if (!body) throw new Error(`${spec.package} has no model ${spec.body}`);
  const problems: ArmProblem[] = [];
  const report = (at: string, message: string): void => {
    problems.push({ resource: resource.name, type: resource.type, at, message });
  };
  const addedSince = new Set((spec.addedSince ?? []).map((key) => `body.${key}`));
  const serializer = createSerializer(models.mappers as Record<string, Mapper>);
  const constraints = (mapper: Mapper, value: unknown, at: string) => {
    try {
      serializer.validateConstraints(mapper, value, at);
    } catch (error) {
      report(at, (error as Error).message);
    }
  };

  // Some specs put the name's pattern on the model's read-only `name` instead (IoT Hub).
  const modelName = resolve(models, body).type.modelProperties?.name;
  for (const key of spec.path) {
    const value = resource.inputs[key];
    if (value === undefined || value === null || value === '') {
      report(`path.${key}`, `${key} is missing: ARM cannot address the resource`);
      continue;
    }
    let mapper = pathParameter(models, key);
    if (key === spec.nameKey && !mapper?.constraints && modelName?.constraints) mapper = modelName;
    if (mapper) constraints(mapper, value, `path.${key}`);
  }

  const skip = new Set<string>([...spec.path, ...pathOnlyInputs]);
  const request = Object.fromEntries(
    Object.entries(resource.inputs).filter(([key]) => !skip.has(key)),
  );
  walk(body, request, 'body', true);
  return problems;

  function walk(mapper: Mapper, value: unknown, at: string, root = false): void {
    if (value === undefined || value === null) {
      if (mapper.required && !mapper.readOnly && !mapper.isConstant)
        report(at, 'is required and missing');
      return;
    }
    if (mapper.readOnly && !root) {
      report(at, 'is read-only: ARM ignores or rejects it in a request');
      return;
    }
    if (mapper.isConstant) {
      if (value !== mapper.defaultValue) report(at, `must be ${String(mapper.defaultValue)}`);
      return;
    }
    constraints(mapper, value, at);
    const kind = mapper.type.name;
    switch (kind) {
      case 'String':
      case 'Uuid':
      case 'DateTime':
      case 'Date':
      case 'TimeSpan':
      case 'DateTimeRfc1123':
      case 'Base64Url':
      case 'ByteArray':
        if (typeof value !== 'string') report(at, `must be a string; got ${describe(value)}`);
        return;
      case 'Number':
      case 'UnixTime':
        if (typeof value !== 'number') report(at, `must be a number; got ${describe(value)}`);
        return;
      case 'Boolean':
        if (typeof value !== 'boolean') report(at, `must be true or false; got ${describe(value)}`);
        return;
      case 'Enum': {
        const allowed = (mapper.type as { allowedValues: unknown[] }).allowedValues;
        const same = (a: unknown) => String(a).toLowerCase() === String(value).toLowerCase();
        if (!allowed.some(same))
          report(at, `must be one of ${allowed.join(', ')}; got ${describe(value)}`);
        return;
      }
      case 'Sequence': {
        if (!Array.isArray(value)) {
          report(at, `must be a list; got ${describe(value)}`);
          return;
        }
        const element = (mapper.type as { element: Mapper }).element;
        for (const [index, item] of value.entries()) walk(element, item, `${at}[${index}]`);
        return;
      }
      case 'Dictionary': {
        // azure-native takes user-assigned identities as a list of ids; ARM gets `{ [id]: {} }`.
        const entries =
          Array.isArray(value) && at.endsWith('userAssignedIdentities')
            ? value.map((id) => [String(id), {}] as const)
            : typeof value === 'object'
              ? Object.entries(value)
              : undefined;
        if (!entries) {
          report(at, `must be an object; got ${describe(value)}`);
          return;
        }
        const element = (mapper.type as { value: Mapper }).value;
        for (const [key, item] of entries) walk(element, item, `${at}["${key}"]`);
        return;
      }
      case 'Composite': {
        if (typeof value !== 'object' || Array.isArray(value)) {
          report(at, `must be an object; got ${describe(value)}`);
          return;
        }
        const { modelProperties = {}, additionalProperties } = resolve(models, mapper).type;
        const record = value as Record<string, unknown>;
        for (const [key, property] of Object.entries(modelProperties))
          walk(property, record[key], `${at}.${key}`);
        if (!additionalProperties) {
          for (const key of Object.keys(record)) {
            if (!(key in modelProperties) && !addedSince.has(`${at}.${key}`))
              report(`${at}.${key}`, 'is no property of this API version');
          }
        }
        return;
      }
      default:
        return;
    }
  }
}

/** The resource types the synth declares that the validator has no request model for. */
export function uncoveredTypes(resources: readonly SynthesizedResource[]): string[] {
  return [
    ...new Set(
      resources
        .filter((r) => !r.type.startsWith('fieldline:') && !r.type.startsWith('pulumi'))
        .map((r) => r.type)
        .filter((type) => !armResourceSpecs[type]),
    ),
  ].sort();
}

function resolve(models: ArmModels, mapper: Mapper): CompositeMapper {
  const composite = mapper as CompositeMapper;
  if (composite.type.modelProperties) return composite;
  const named = composite.type.className ? models.mappers[composite.type.className] : undefined;
  return named ?? composite;
}

function describe(value: unknown): string {
  const text = JSON.stringify(value);
  return text && text.length > 60 ? `${text.slice(0, 57)}...` : String(text);
}
