import { createAnalyticsFunctions } from './analytics/analytics.function';
import { createCatalogFunctions } from './catalog/catalog.function';
import { createEncountersFunctions } from './encounters/encounters.function';
import { createFleetFunctions } from './fleet/fleet.function';
import { createGatewayFunctions } from './gateway/gateway.function';
import { createHealthFunctions } from './health/health.function';
import type { FunctionDefinition } from './host/functionDefinition';
import { createDeadLettersFunctions } from './operations/deadLetters.function';
import { createRetentionFunctions } from './operations/retention.function';
import { createNegotiateFunctions } from './realtime/negotiate.function';
import { createRoomsFunctions } from './rooms/rooms.function';
import { deadLetteringFunctions, type Services } from './services';
import { createDeviceApiFunctions } from './telemetry/deviceApi.function';
import { createIngestTelemetryFunctions } from './telemetry/ingestTelemetry.function';

/** Every function of the app. Both hosts, Azure's (`index.ts`) and the local one, start from here. */
export function createFunctionDefinitions(services: Services): FunctionDefinition[] {
  return [
    ...createNegotiateFunctions(services.clientAccess),
    ...createIngestTelemetryFunctions({
      ...services,
      ...(services.fleet.webhook ? { alarmWebhook: services.fleet.webhook } : {}),
    }),
    ...createDeviceApiFunctions({ ...services, tags: services.fleet.tags }),
    ...createFleetFunctions({
      ...services.fleet,
      deviceStates: services.deviceStates,
      realtime: services.realtime,
      deadLetters: services.deadLetters,
    }),
    ...createAnalyticsFunctions(services),
    ...createDeadLettersFunctions(services.deadLetters, deadLetteringFunctions),
    ...createRetentionFunctions(services.retention),
    ...createEncountersFunctions({
      encounters: services.encounters,
      clientAccess: services.clientAccess,
      realtime: services.realtime,
      deadLetters: services.deadLetters,
      problems: services.misconfigured.encounters,
    }),
    ...createRoomsFunctions({
      ...(services.rooms ? { rooms: services.rooms } : {}),
      clientAccess: services.clientAccess,
      ...(services.misconfigured.rooms ? { problems: services.misconfigured.rooms } : {}),
    }),
    ...createCatalogFunctions({
      ...services.catalog,
      ...(services.misconfigured.search ? { problems: services.misconfigured.search } : {}),
    }),
    ...createGatewayFunctions({ ...services.gateway, problems: services.misconfigured.gateway }),
    ...createHealthFunctions(services.health),
  ];
}
