import { createAnalyticsFunctions } from './analytics/analytics.function';
import { createEncounterFunctions } from './encounters/encounters.function';
import { createGatewayApi } from './gateway/gateway.function';
import { createDeadLetterApi } from './operations/deadLetters.function';
import { createRetentionTimer } from './operations/retention.function';
import type { FunctionDefinition } from './platform/functionDefinition';
import { createNegotiate } from './realtime/negotiate.function';
import { deadLetteringFunctions, type Services } from './services';
import { createDeviceApi } from './telemetry/deviceApi.function';
import { createIngestTelemetry } from './telemetry/ingestTelemetry.function';

/** Every function of the app. Both hosts, Azure's (`index.ts`) and the local one, start from here. */
export function createFunctionDefinitions(services: Services): FunctionDefinition[] {
  const { registry, feed } = services.gateway;
  return [
    createNegotiate(services.clientAccess),
    createIngestTelemetry(services),
    ...createDeviceApi(services),
    ...createAnalyticsFunctions(services),
    createDeadLetterApi(services.deadLetters, deadLetteringFunctions),
    createRetentionTimer(services.retention),
    ...createEncounterFunctions({
      encounters: services.encounters,
      clientAccess: services.clientAccess,
      realtime: services.realtime,
      deadLetters: services.deadLetters,
      problems: services.misconfigured.encounters,
    }),
    ...createGatewayApi({
      ...services.gateway,
      misconfigured: services.misconfigured,
      ...(services.healthCacheMs === undefined ? {} : { healthCacheMs: services.healthCacheMs }),
      probes: {
        storage: () => services.deviceStates.probe(),
        iotHubRegistry: registry ? () => registry.probe() : undefined,
        eventFeed: feed ? () => feed.partitionIds().then(() => undefined) : undefined,
        realtimeDelivery: services.realtime.configured
          ? () => services.realtime.check()
          : undefined,
      },
    }),
  ];
}
