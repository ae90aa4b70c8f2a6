import { randomBytes } from 'node:crypto';
import { type RunningOidcIssuer, startOidcIssuer } from '@fieldline/oidc-emulator';
import { appRoleNames } from '../functions/src/hosting';
import type { LocalClient, LocalIdentity, LocalUser } from '../tools/localEndpoints';

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

export interface RunningLocalIdentity extends RunningOidcIssuer {
  /** What `.fieldline/local.json` says about the issuer, its clients and its users. */
  readonly identity: LocalIdentity;
}

/**
 * The OIDC emulator as fieldline's local cloud runs it: fieldline's audience, dashboard client,
 * tenant and users, and one client per app role. (`oid`s are derived under `fieldline-local`, so
 * they stay what earlier versions kept in `--data`.)
 */
export async function startLocalIdentity(options: {
  readonly port?: number;
  readonly keyFile?: string;
  readonly clients: readonly LocalClient[];
  readonly users?: readonly LocalUser[];
  readonly now?: () => number;
}): Promise<RunningLocalIdentity> {
  const users = options.users ?? localUsers;
  const issuer = await startOidcIssuer({
    ...options,
    audience: localAudience,
    publicClientId: dashboardClientId,
    users,
    tenantId: localTenantId,
    subjectNamespace: 'fieldline-local',
    userDomain: 'fieldline.local',
  });
  return {
    ...issuer,
    identity: {
      issuer: issuer.issuer,
      audience: localAudience,
      dashboardClientId,
      scopes: issuer.scopes,
      clients: options.clients,
      users,
    },
  };
}
