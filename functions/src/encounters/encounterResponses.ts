import type { SignalRMessage } from '../realtime/signalRMessage';
import type { EncounterUser } from './encounterUser';
import type { Notification } from './notificationLedger';

/**
 * What the encounters API and its pushes show of users and notifications: never a user's owner,
 * never another user's exact distance, no names on the operators' dashboard.
 */

/** Distances users see are rounded up to this step, so that a few accounts cannot trilaterate one. */
export const distanceStepMeters = 250;

/**
 * A user as the API returns it: the scheduler's bookkeeping left out, and the owner too (the
 * stores' projections already leave it out; this is the last line).
 */
export function publicUser(user: EncounterUser) {
  // Neither the owner nor a pending code's hash leaves the API.
  const {
    encounter,
    owner: _owner,
    phoneVerification: _pending,
    ...rest
  } = user as EncounterUser & { phoneVerification?: unknown };
  return {
    ...rest,
    phoneVerified: user.phoneVerified === true,
    encounter: {
      enabled: encounter.enabled,
      radiusMeters: encounter.radiusMeters,
      ...(encounter.locationUpdatedAt ? { locationUpdatedAt: encounter.locationUpdatedAt } : {}),
    },
  };
}

/** One row of `/api/encounters/recent`: when, how many, and what happened to the SMS. */
export function encounterRow(notification: Notification) {
  return {
    time: notification.createdAt.toISOString().slice(11, 19),
    matches: notification.matches.length,
    sms: notification.sms,
  };
}

/** The user's own in-app message, on the users' hub. */
export function userPush(notification: Notification): SignalRMessage {
  const matches = notification.matches.map(
    ({ username, screenName, sharedInterests, distanceMeters }) => ({
      username,
      screenName,
      sharedInterests,
      // "Within 250 m": rounded up, so a match never reads as nearer than it is.
      distanceMeters:
        Math.max(1, Math.ceil(distanceMeters / distanceStepMeters)) * distanceStepMeters,
    }),
  );
  return {
    target: 'encounterMatch',
    userId: notification.username,
    arguments: [{ window: notification.window, matches }],
  };
}

/** For dashboards, which refresh their panel: a count and the SMS outcome, no names. */
export function dashboardPush(notification: Notification): SignalRMessage {
  return {
    target: 'encounterMatched',
    arguments: [[{ matches: notification.matches.length, sms: notification.sms }]],
  };
}
