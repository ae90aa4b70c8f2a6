import type { HttpFunctionDefinition } from '../host/functionDefinition';
import type { IssueClientAccess } from './clientAccess';
import { telemetryHub } from './hubs';

/**
 * `POST /api/negotiate` (and GET): hands an operator's dashboard the SignalR Service URL and a
 * client token for the operators' hub. The official client POSTs to `<base>/negotiate?negotiateVersion=1`.
 */
export function createNegotiateFunctions(
  clientAccess: IssueClientAccess,
): HttpFunctionDefinition[] {
  return [
    {
      kind: 'http',
      name: 'negotiate',
      route: 'negotiate',
      methods: ['POST', 'GET'],
      access: { kind: 'roles', anyOf: ['Fleet.Read'] },
      handler: async () => ({ jsonBody: await clientAccess(telemetryHub) }),
    },
  ];
}
