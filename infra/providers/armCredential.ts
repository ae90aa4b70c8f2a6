import type { AccessToken, TokenCredential } from '@azure/core-auth';

type Env = Readonly<Record<string, string | undefined>>;

/** Which way the dynamic providers sign in, in the order they try. */
export type ArmCredentialKind =
  | 'client-secret'
  | 'client-certificate'
  | 'oidc'
  | 'managed-identity'
  | 'azure-cli';

/**
 * Signs the dynamic providers (One Deploy, the dashboard upload) in the way the azure-native
 * provider signs in, from the same `ARM_*` variables, so a CI job that deploys the stack deploys
 * its code with the same principal. `DefaultAzureCredential` reads `AZURE_*` instead, and would
 * fall through to whatever else the machine has.
 *
 * Order (first match wins):
 * 1. `ARM_CLIENT_ID` + `ARM_CLIENT_SECRET` + `ARM_TENANT_ID`: a service principal's secret.
 * 2. `ARM_CLIENT_ID` + `ARM_CLIENT_CERTIFICATE_PATH` + `ARM_TENANT_ID`: its certificate.
 * 3. `ARM_USE_OIDC=true` + `ARM_CLIENT_ID` + `ARM_TENANT_ID`: a federated token, from `ARM_OIDC_TOKEN`
 *    or requested from GitHub Actions (`ACTIONS_ID_TOKEN_REQUEST_URL`/`_TOKEN`, or the `ARM_OIDC_REQUEST_*` pair).
 * 4. `ARM_USE_MSI=true`: the machine's managed identity (`ARM_CLIENT_ID` picks a user-assigned one).
 * 5. Otherwise the Azure CLI's signed-in account (`az login`).
 * https://www.pulumi.com/registry/packages/azure-native/installation-configuration/
 */
export function armCredentialKind(env: Env): ArmCredentialKind {
  const clientId = env.ARM_CLIENT_ID;
  const tenantId = env.ARM_TENANT_ID;
  if (clientId && tenantId && env.ARM_CLIENT_SECRET) return 'client-secret';
  if (clientId && tenantId && env.ARM_CLIENT_CERTIFICATE_PATH) return 'client-certificate';
  if (env.ARM_USE_OIDC === 'true') {
    if (!clientId || !tenantId)
      throw new Error('ARM_USE_OIDC=true needs ARM_CLIENT_ID and ARM_TENANT_ID as well');
    return 'oidc';
  }
  if (env.ARM_USE_MSI === 'true') return 'managed-identity';
  return 'azure-cli';
}

export interface ArmCredentialDeps {
  readonly env?: Env;
  readonly fetch?: typeof fetch;
}

export async function createArmCredential(deps: ArmCredentialDeps = {}): Promise<TokenCredential> {
  const env = deps.env ?? process.env;
  const identity = await import('@azure/identity');
  const clientId = env.ARM_CLIENT_ID ?? '';
  const tenantId = env.ARM_TENANT_ID ?? '';
  const kind = armCredentialKind(env);
  switch (kind) {
    case 'client-secret':
      return new identity.ClientSecretCredential(tenantId, clientId, env.ARM_CLIENT_SECRET ?? '');
    case 'client-certificate':
      return new identity.ClientCertificateCredential(tenantId, clientId, {
        certificatePath: env.ARM_CLIENT_CERTIFICATE_PATH ?? '',
        ...(env.ARM_CLIENT_CERTIFICATE_PASSWORD
          ? { certificatePassword: env.ARM_CLIENT_CERTIFICATE_PASSWORD }
          : {}),
      });
    case 'oidc':
      return new identity.ClientAssertionCredential(tenantId, clientId, () =>
        federatedToken(env, deps.fetch ?? fetch),
      );
    case 'managed-identity':
      return clientId
        ? new identity.ManagedIdentityCredential({ clientId })
        : new identity.ManagedIdentityCredential();
    case 'azure-cli':
      return new identity.AzureCliCredential();
    default: {
      const unhandled: never = kind;
      throw new Error(`unknown credential kind ${String(unhandled)}`);
    }
  }
}

/** The workflow's OIDC token, for Entra's token exchange (audience `api://AzureADTokenExchange`). */
export async function federatedToken(env: Env, request: typeof fetch): Promise<string> {
  if (env.ARM_OIDC_TOKEN) return env.ARM_OIDC_TOKEN;
  const url = env.ARM_OIDC_REQUEST_URL ?? env.ACTIONS_ID_TOKEN_REQUEST_URL;
  const bearer = env.ARM_OIDC_REQUEST_TOKEN ?? env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
  if (!url || !bearer)
    throw new Error(
      'ARM_USE_OIDC=true but no token: set ARM_OIDC_TOKEN, or run in GitHub Actions with "permissions: id-token: write"',
    );
  const target = new URL(url);
  target.searchParams.set('audience', 'api://AzureADTokenExchange');
  const response = await request(target, { headers: { authorization: `Bearer ${bearer}` } });
  const body = (await response.json().catch(() => ({}))) as { value?: string };
  if (!response.ok || !body.value)
    throw new Error(`the OIDC token request answered ${response.status}`);
  return body.value;
}

/** A bearer token for Azure Resource Manager, which Kudu (One Deploy) also accepts. */
export async function armToken(credential: TokenCredential): Promise<string> {
  const token: AccessToken | null = await credential.getToken(
    'https://management.azure.com/.default',
  );
  if (!token)
    throw new Error(
      'no Azure Resource Manager token: sign in (see docs/deploy.md, "Deploy from CI")',
    );
  return token.token;
}

/** What a dynamic provider that calls Azure takes in tests; each defaults to the real thing. */
export interface ArmCallDeps {
  readonly fetch?: typeof fetch;
  /** An Entra ID token for Azure Resource Manager (which Kudu accepts too). */
  readonly getToken?: () => Promise<string>;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** The deps with their defaults: global fetch, a timer, and a token signed in as azure-native is. */
export function armCall(deps: ArmCallDeps): Required<ArmCallDeps> {
  const request =
    deps.fetch ?? ((url: string | URL | Request, init?: RequestInit) => fetch(url, init));
  return {
    fetch: request,
    sleep: deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))),
    getToken:
      deps.getToken ?? (async () => armToken(await createArmCredential({ fetch: request }))),
  };
}
