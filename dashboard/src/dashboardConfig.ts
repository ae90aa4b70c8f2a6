/** Where operators sign in: Entra ID in Azure, the local issuer locally. */
export interface AuthConfig {
  /** The OpenID issuer, e.g. `https://login.microsoftonline.com/<tenant>/v2.0`. */
  readonly authority: string;
  readonly clientId: string;
  /** Requested at sign-in, including the API's delegated scope. */
  readonly scopes: readonly string[];
}

/** What the page reads from `config.json` beside it; nothing about a stage is baked into the bundle. */
export interface DashboardConfig {
  readonly auth: AuthConfig;
  /** Base URL of the function app's HTTP API, e.g. `https://fl-prod.azurewebsites.net/api`. */
  readonly apiBaseUrl: string;
  /** Shown in the header, e.g. `dev`, `prod`, `local`. */
  readonly stage: string;
  /** A device is stale after this long without data, and offline after the second. */
  readonly staleAfterSeconds: number;
  readonly offlineAfterSeconds: number;
}

export async function loadDashboardConfig(
  fetchImpl: typeof fetch = fetch,
): Promise<DashboardConfig> {
  const response = await fetchImpl('./config.json', { cache: 'no-store' });
  if (!response.ok)
    throw new Error(
      `config.json answered ${response.status}; the host must serve it beside index.html`,
    );
  const raw = (await response.json()) as Partial<DashboardConfig>;
  if (typeof raw.apiBaseUrl !== 'string' || raw.apiBaseUrl === '')
    throw new Error('config.json has no apiBaseUrl');
  const auth = raw.auth;
  if (
    typeof auth?.authority !== 'string' ||
    typeof auth.clientId !== 'string' ||
    !Array.isArray(auth.scopes)
  )
    throw new Error('config.json has no auth {authority, clientId, scopes}; sign-in needs them');
  return {
    auth: { authority: auth.authority, clientId: auth.clientId, scopes: auth.scopes.map(String) },
    apiBaseUrl: raw.apiBaseUrl.replace(/\/$/, ''),
    stage: typeof raw.stage === 'string' ? raw.stage : 'unknown',
    staleAfterSeconds: positive(raw.staleAfterSeconds, 30),
    offlineAfterSeconds: positive(raw.offlineAfterSeconds, 120),
  };
}

function positive(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : fallback;
}
