import { AppError } from '../host/appError';
import type { HttpFunctionDefinition } from '../host/functionDefinition';
import { readJsonBody } from '../host/http';
import { parseAlarmRule, ruleIdPattern } from './alarmRule';
import type { FleetDeps } from './fleetDeps';

/** Alarm rules: put, list and delete. */
export function createAlarmRulesFunctions(
  deps: Pick<FleetDeps, 'rules'>,
): HttpFunctionDefinition[] {
  return [
    {
      kind: 'http',
      name: 'putAlarmRule',
      route: 'alarm-rules/{ruleId}',
      methods: ['PUT'],
      access: { kind: 'roles', anyOf: ['Fleet.Operate'] },
      maxBodyBytes: 4096,
      handler: async (request) => {
        const parsed = parseAlarmRule(request.params.ruleId ?? '', await readJsonBody(request));
        if (!parsed.ok) throw new AppError('validation_failed', parsed.problems.join('; '));
        await deps.rules.put(parsed.value);
        return { status: 200, jsonBody: parsed.value };
      },
    },
    {
      kind: 'http',
      name: 'listAlarmRules',
      route: 'alarm-rules',
      methods: ['GET'],
      access: { kind: 'roles', anyOf: ['Fleet.Read'] },
      handler: async () => ({ jsonBody: await deps.rules.list() }),
    },
    {
      kind: 'http',
      name: 'deleteAlarmRule',
      route: 'alarm-rules/{ruleId}',
      methods: ['DELETE'],
      access: { kind: 'roles', anyOf: ['Fleet.Operate'] },
      handler: async (request) => {
        const ruleId = request.params.ruleId ?? '';
        if (!ruleIdPattern.test(ruleId) || !(await deps.rules.delete(ruleId)))
          throw new AppError('not_found', `no alarm rule "${ruleId}"`);
        return { status: 204 };
      },
    },
  ];
}
