export type HealthStatus = 'ok' | 'down' | 'not_configured' | 'misconfigured';

export interface HealthReport {
  readonly status: 'ok' | 'degraded';
  readonly checks: Readonly<
    Record<
      string,
      { readonly status: HealthStatus; readonly ms?: number; readonly detail?: string }
    >
  >;
}

/**
 * Runs every dependency probe in parallel, each bounded by `timeoutMs`, and reports each one. A
 * probe that is undefined belongs to a dependency this stage does not configure.
 */
export async function checkHealth(
  probes: Readonly<Record<string, (() => Promise<void>) | undefined>>,
  options: {
    readonly timeoutMs?: number;
    /** Features switched off by bad settings: each is reported with the settings to fix. */
    readonly misconfigured?: Readonly<Record<string, readonly string[] | undefined>>;
  } = {},
): Promise<HealthReport> {
  const timeoutMs = options.timeoutMs ?? 2_000;
  const results = await Promise.all(
    Object.entries(probes).map(async ([name, probe]) => {
      if (!probe) return [name, { status: 'not_configured' as const }] as const;
      const started = Date.now();
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          probe(),
          new Promise((_, reject) => {
            timer = setTimeout(
              () => reject(new Error(`no answer within ${timeoutMs} ms`)),
              timeoutMs,
            );
          }),
        ]);
        return [name, { status: 'ok' as const, ms: Date.now() - started }] as const;
      } catch (error) {
        return [
          name,
          {
            status: 'down' as const,
            ms: Date.now() - started,
            detail: error instanceof Error ? error.message : 'failed',
          },
        ] as const;
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  const settings = Object.entries(options.misconfigured ?? {}).flatMap(([feature, problems]) =>
    problems
      ? [[`${feature}Settings`, { status: 'misconfigured' as const, detail: problems.join('; ') }]]
      : [],
  );
  const checks: HealthReport['checks'] = Object.fromEntries([...results, ...settings]);
  return {
    status: Object.values(checks).some((c) => c.status === 'down' || c.status === 'misconfigured')
      ? 'degraded'
      : 'ok',
    checks,
  };
}
