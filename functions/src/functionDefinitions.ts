import * as analytics from './analytics/feature';
import * as catalog from './catalog/feature';
import * as devices from './devices/feature';
import * as encounters from './encounters/feature';
import * as fleet from './fleet/feature';
import * as gateway from './gateway/feature';
import { createHealthFunctions } from './health/health.function';
import type { FeatureParts } from './host/feature';
import type { FunctionDefinition } from './host/functionDefinition';
import * as models from './models/feature';
import * as operations from './operations/feature';
import * as provisioning from './provisioning/feature';
import * as realtime from './realtime/feature';
import * as rooms from './rooms/feature';
import type { Services } from './services';
import * as telemetry from './telemetry/feature';

/**
 * Every function of the app: each feature's, then `/api/health` over the dependencies the features
 * name. Both hosts, Azure's (`index.ts`) and the local one, start from here.
 */
export function createFunctionDefinitions(services: Services): FunctionDefinition[] {
  const { config } = services;
  const optional = <T>(value: T | undefined, problems: readonly string[] | undefined) => ({
    config: value,
    ...(problems ? { problems } : {}),
  });
  const parts: FeatureParts[] = [
    realtime.create(optional(config.realtime, config.misconfigured.realtime), services),
    telemetry.create(config.telemetry, services),
    fleet.create(config.fleet, services),
    analytics.create(config.analytics, services),
    operations.create({ retentionDays: config.retentionDays }, services),
    encounters.create(optional(config.encounters, config.misconfigured.encounters), services),
    rooms.create(optional(config.rooms, config.misconfigured.rooms), services),
    catalog.create(optional(config.search, config.misconfigured.search), services),
    gateway.create(optional(config.gateway, config.misconfigured.gateway), services),
    devices.create(optional(config.gateway, config.misconfigured.gateway), services),
    models.create(undefined, services),
    provisioning.create(optional(config.provisioning, config.misconfigured.provisioning), services),
  ];
  return [
    ...parts.flatMap((part) => part.functions),
    ...createHealthFunctions({
      ...services.health,
      probes: Object.assign({}, ...parts.map((part) => part.probes ?? {})),
    }),
  ];
}
