import { createAnalyticsFunctions } from './analytics/analytics.function';
import { createEncounterFunctions } from './encounters/encounters.function';
import { createGatewayApi } from './gateway/gateway.function';
import type { FunctionDefinition } from './platform/functionDefinition';
import { createNegotiate } from './realtime/negotiate.function';
import type { Services } from './services';
import { createDeviceApi } from './telemetry/deviceApi.function';
import { createIngestTelemetry } from './telemetry/ingestTelemetry.function';

/** Every function of the app. Both hosts, Azure's (`index.ts`) and the local one, start from here. */
export function createFunctionDefinitions(services: Services): FunctionDefinition[] {
  const { registry, feed } = services.gateway;
  return [
    createNegotiate(services.clientAccess),
    createIngestTelemetry(services.ingestor),
    ...createDeviceApi(services),
    ...createAnalyticsFunctions(services.analytics),
    ...createEncounterFunctions(
      services.encounters,
      services.clientAccess,
      services.misconfigured.encounters,
    ),
    ...createGatewayApi({
      ...services.gateway,
      misconfigured: services.misconfigured,
      ...(services.healthCacheMs === undefined ? {} : { healthCacheMs: services.healthCacheMs }),
      probes: {
        storage: () => services.deviceStates.get('fieldline-health-probe').then(() => undefined),
        iotHubRegistry: registry ? () => registry.probe() : undefined,
        eventFeed: feed ? () => feed.partitionIds().then(() => undefined) : undefined,
      },
    }),
  ];
}
