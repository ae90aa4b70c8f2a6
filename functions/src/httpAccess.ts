import { createFunctionDefinitions } from './functionDefinitions';
import type { Access } from './identity/access';
import { createServices } from './services';
import { loadConfig } from './settings/config';
import { settingNames } from './settings/settingNames';

/** One HTTP function and who may call it, as its definition declares. */
export interface HttpAccessEntry {
  readonly name: string;
  readonly route: string;
  readonly methods: readonly string[];
  readonly access: Access['kind'];
}

/**
 * The deployed app's HTTP functions and their declared access, for the infrastructure: the policy
 * pack refuses a deployment whose public functions are not the documented ones. Built from the
 * definitions themselves (no I/O happens: services connect on first use).
 */
export function httpAccessManifest(): HttpAccessEntry[] {
  const services = createServices(
    loadConfig({ [settingNames.dataStorage]: 'UseDevelopmentStorage=true' }),
  );
  return createFunctionDefinitions(services).flatMap((definition) =>
    definition.kind === 'http'
      ? [
          {
            name: definition.name,
            route: definition.route,
            methods: [...definition.methods],
            access: definition.access.kind,
          },
        ]
      : [],
  );
}
