import type { AppRole } from './appRoles';

/** Who made a request, from a validated bearer token. */
export interface Caller {
  readonly issuer: string;
  /** The token's `sub`: stable per user (or client) and issuer. */
  readonly subject: string;
  /** App roles, only from the operators' issuer and audience; empty for app users' tokens. */
  readonly roles: ReadonlySet<string>;
  /** `preferred_username` or `name`, for logs and the dashboard; never used to authorize. */
  readonly name?: string;
}

export function hasRole(caller: Caller | undefined, role: AppRole): boolean {
  return caller?.roles.has(role) ?? false;
}

/** The key an app user's claim is stored under: the subject, qualified by its issuer. */
export function ownerKey(caller: Caller): string {
  return `${caller.issuer}#${caller.subject}`;
}
