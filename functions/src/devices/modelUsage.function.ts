import type { AppError } from '../host/appError';
import type { HttpFunctionDefinition } from '../host/functionDefinition';
import { ExpiringCache } from '../storage/expiringCache';
import type { DeviceTwins, ModelUsage } from './deviceTwins';

/**
 * `GET /api/model-usage` (Fleet.Read): the devices that announce each model, for the dashboard's
 * models page. One twin query per 1,000 devices, kept 30 seconds per instance, since S1 allows 20
 * queries a minute.
 */
export function createModelUsageFunctions(deps: {
  readonly twins?: Pick<DeviceTwins, 'modelUsage'>;
  readonly notConfigured: () => AppError;
}): HttpFunctionDefinition[] {
  const cache = new ExpiringCache<'all', { models: ModelUsage[]; complete: boolean }>({
    ttlMs: 30_000,
    maxEntries: 1,
  });
  return [
    {
      kind: 'http',
      name: 'getModelUsage',
      route: 'model-usage',
      methods: ['GET'],
      access: { kind: 'roles', anyOf: ['Fleet.Read'] },
      handler: async () => {
        if (!deps.twins) throw deps.notConfigured();
        const cached = cache.lookup('all');
        if (cached.hit) return { jsonBody: cached.value };
        const usage = await deps.twins.modelUsage();
        cache.set('all', usage);
        return { jsonBody: usage };
      },
    },
  ];
}
