/**
 * The app roles of fieldline's Entra app registration, as tokens carry them in `roles`. The
 * infrastructure declares them from this list and the local issuer grants them.
 */
export const appRoles = {
  'Fleet.Read': 'Read device state, rejections, analytics, encounter counts and health details.',
  'Fleet.Operate': 'Calibrate and register devices.',
  'Fleet.Admin': 'Read the pull feed and the SMS outbox; handle dead letters and replays.',
  'Users.Manage': 'Act on behalf of any app user (for back ends).',
  'Catalog.Manage': 'Add, change and remove tracks of the catalog, and rebuild its search index.',
} as const;

export type AppRole = keyof typeof appRoles;

export const appRoleNames = Object.keys(appRoles) as AppRole[];
