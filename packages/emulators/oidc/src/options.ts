/** A person who can sign in: the sign-in page lists them, and `login_hint` picks one. */
export interface OidcUser {
  readonly username: string;
  readonly name: string;
  /** What their access tokens carry in `roles`. */
  readonly roles: readonly string[];
}

/** A confidential client that gets app-only tokens with the client credentials grant. */
export interface OidcClient {
  readonly id: string;
  readonly secret: string;
  readonly roles: readonly string[];
}

export interface OidcIssuerOptions {
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** Keeps the signing key across restarts; a fresh key otherwise. */
  readonly keyFile?: string;
  /** What API access tokens carry in `aud`; `<audience>/.default` is the client credentials scope. */
  readonly audience: string;
  /** The public client (a single-page app) allowed the authorization code flow with PKCE. */
  readonly publicClientId: string;
  readonly users: readonly OidcUser[];
  readonly clients: readonly OidcClient[];
  /** The delegated scope's name under the audience; `user_impersonation`, as Entra names it. */
  readonly delegatedScope?: string;
  /** The `tid` claim. */
  readonly tenantId?: string;
  /** Salts the stable `oid` of each user and client, so two issuers' subjects differ. */
  readonly subjectNamespace?: string;
  /** The domain of `preferred_username` (`<username>@<domain>`). */
  readonly userDomain?: string;
  readonly now?: () => number;
}

/** The options with their defaults filled in, as the handlers use them. */
export interface IssuerSettings extends Required<Omit<OidcIssuerOptions, 'port' | 'keyFile'>> {
  /** `<audience>/<delegatedScope>`. */
  readonly apiScope: string;
}

export function settingsFrom(options: OidcIssuerOptions): IssuerSettings {
  const delegatedScope = options.delegatedScope ?? 'user_impersonation';
  return {
    audience: options.audience,
    publicClientId: options.publicClientId,
    users: options.users,
    clients: options.clients,
    delegatedScope,
    tenantId: options.tenantId ?? '00000000-0000-4000-8000-000000000000',
    subjectNamespace: options.subjectNamespace ?? 'oidc-emulator',
    userDomain: options.userDomain ?? 'oidc.local',
    now: options.now ?? Date.now,
    apiScope: `${options.audience}/${delegatedScope}`,
  };
}
