import { randomBytes } from 'node:crypto';
import type { AppRole } from '../../functions/src/hosting';
import { appRoleNames, hashGuid } from '../../functions/src/hosting';

/** A person who can sign in to the local issuer. */
export interface LocalUser {
  readonly username: string;
  readonly name: string;
  readonly roles: readonly AppRole[];
}

/** A confidential client (a back end) that gets app-only tokens with the client credentials grant. */
export interface LocalClient {
  readonly id: string;
  readonly secret: string;
  readonly roles: readonly AppRole[];
}

/** The identity section of `.fieldline/local.json`: everything a tool needs to get a token. */
export interface LocalIdentity {
  readonly issuer: string;
  /** What API tokens carry in `aud`; `<audience>/.default` is the client credentials scope. */
  readonly audience: string;
  readonly dashboardClientId: string;
  /** What the dashboard asks for at sign-in. */
  readonly scopes: readonly string[];
  readonly clients: readonly LocalClient[];
  readonly users: readonly LocalUser[];
}

export const localAudience = 'api://fieldline-local';
export const dashboardClientId = 'fieldline-dashboard';
/** The delegated scope the API exposes (Entra's conventional name), as the app registration does. */
export const apiScope = `${localAudience}/user_impersonation`;
/** Entra's tenant id claim, fixed for the local issuer. */
export const localTenantId = '00000000-0000-4000-8000-00000000f1e1';

export const localUsers: readonly LocalUser[] = [
  {
    username: 'operator',
    name: 'Local Operator',
    roles: ['Fleet.Read', 'Fleet.Operate', 'Fleet.Admin'],
  },
  { username: 'viewer', name: 'Local Viewer', roles: ['Fleet.Read'] },
  // App users of the encounters API: no app roles, they act only as themselves.
  { username: 'alice', name: 'Alice', roles: [] },
  { username: 'bob', name: 'Bob', roles: [] },
  { username: 'carol', name: 'Carol', roles: [] },
];

/** One client per role, `fleet-read` … `users-manage`, each with a fresh secret. */
export function localClients(): LocalClient[] {
  return appRoleNames.map((role) => ({
    id: role.toLowerCase().replace('.', '-'),
    secret: randomBytes(24).toString('base64url'),
    roles: [role],
  }));
}

/** A stable GUID-shaped object id for a local user or client, like Entra's `oid`. */
export function objectId(name: string): string {
  return hashGuid(`fieldline-local:${name}`);
}
