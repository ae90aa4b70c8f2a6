import type { HttpFunctionDefinition } from '../platform/functionDefinition';
import { telemetryConnectionInfo } from './signalRBindings';

/**
 * `POST /api/negotiate` (and GET): hands a dashboard the SignalR Service URL and an access token.
 * The official client POSTs to `<base>/negotiate?negotiateVersion=1`.
 */
export const negotiate: HttpFunctionDefinition = {
  kind: 'http',
  name: 'negotiate',
  route: 'negotiate',
  methods: ['POST', 'GET'],
  authLevel: 'anonymous',
  extraInputs: [telemetryConnectionInfo],
  handler: async (_request, context) => ({
    jsonBody: context.extraInputs.get(telemetryConnectionInfo),
  }),
};
