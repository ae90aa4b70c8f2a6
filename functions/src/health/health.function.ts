import type { HttpFunctionDefinition } from '../host/functionDefinition';
import { ExpiringCache } from '../storage/expiringCache';
import { checkHealth, type HealthReport } from './healthCheck';

export interface HealthDeps {
  /** Dependency probes, by name; undefined for a dependency this stage does not configure. */
  readonly probes: Readonly<Record<string, (() => Promise<void>) | undefined>>;
  /** Features switched off by bad settings, with the settings to fix. */
  readonly misconfigured?: Readonly<Record<string, readonly string[] | undefined>>;
  /** How long one round of probes answers health checks (default 30 s). */
  readonly cacheMs?: number;
}

/** `GET /api/health` for anyone (ok or degraded), `GET /api/health/details` for operators. */
export function createHealthFunctions(deps: HealthDeps): HttpFunctionDefinition[] {
  // IoT Hub's registry allows about 100 operations a minute per unit: health checks, which anyone
  // may call, share one round of probes per 30 s rather than spend them.
  const reports = new ExpiringCache<'report', Promise<HealthReport>>({
    ttlMs: deps.cacheMs ?? 30_000,
    maxEntries: 1,
  });
  const health = (): Promise<HealthReport> => {
    const cached = reports.lookup('report');
    if (cached.hit) return cached.value;
    const report = checkHealth(deps.probes, { misconfigured: deps.misconfigured ?? {} });
    reports.set('report', report);
    return report;
  };
  return [
    {
      kind: 'http',
      name: 'health',
      route: 'health',
      methods: ['GET'],
      access: {
        kind: 'public',
        reason: 'uptime probes and load balancers; it answers only ok or degraded',
      },
      handler: async () => {
        const { status } = await health();
        return { status: status === 'ok' ? 200 : 503, jsonBody: { status } };
      },
    },
    {
      kind: 'http',
      name: 'healthDetails',
      route: 'health/details',
      methods: ['GET'],
      access: { kind: 'roles', anyOf: ['Fleet.Read'] },
      handler: async () => {
        const report = await health();
        return { status: report.status === 'ok' ? 200 : 503, jsonBody: report };
      },
    },
  ];
}
