import type { EncounterJob } from './encounterScheduler';
import { matchMessage } from './encounterUser';
import { type Notification, NotificationLedger } from './notificationLedger';
import { maskPhone, SmsDeliveryError, type SmsSender } from './smsSender';
import type { Match, UserStore } from './userStore';

/** What the matcher needs of its stores: they implement it, and so do in-memory fakes. */
export interface EncounterMatcherDeps {
  readonly users: Pick<
    UserStore,
    'get' | 'findMatches' | 'isOptedOut' | 'setOptOut' | 'setPhoneStatus' | 'appendHistory'
  >;
  readonly ledger: Pick<NotificationLedger, 'claim' | 'release' | 'settle' | 'historyRecorded'>;
  readonly sms: SmsSender;
  readonly maxMatches: number;
  readonly locationFreshMs: number;
}

export type MatchOutcome =
  | { readonly kind: 'skipped'; readonly reason: string }
  | {
      readonly kind: 'notified';
      readonly notification: Notification;
      /** The key was already taken: a redelivery, or a concurrent delivery of the same job. */
      readonly repeat: boolean;
      /** Whether the in-app push is still owed: a repeat owes it only if the first try never finished. */
      readonly pushDue: boolean;
    };

/**
 * Handles one queued user: one `$geoNear` aggregation, then, in order, the notification recorded
 * under its (user, window) key, the SMS, and the match history. The caller pushes the in-app
 * message. A redelivered message finds the key taken and sends nothing twice; a transient SMS
 * failure releases the key and throws, so the queue retries.
 */
export function createEncounterMatcher(deps: EncounterMatcherDeps) {
  return {
    async match(
      job: EncounterJob,
      now: Date,
      log: (line: string) => void = () => undefined,
    ): Promise<MatchOutcome> {
      const user = await deps.users.get(job.username);
      if (!user) return { kind: 'skipped', reason: `user ${job.username} no longer exists` };
      if (!user.encounter.enabled || !user.location)
        return { kind: 'skipped', reason: `${job.username} has opted out or has no location` };
      const key = NotificationLedger.key(user.username, job.window);
      const freshSince = new Date(now.getTime() - deps.locationFreshMs);
      const matches: Match[] = await deps.users.findMatches(user, {
        limit: deps.maxMatches,
        freshSince,
      });
      if (matches.length === 0) return { kind: 'skipped', reason: 'no matches' };

      const usernames = matches.map((m) => m.username);
      const notification: Notification = {
        _id: key,
        username: user.username,
        window: job.window,
        matches,
        message: matchMessage(user.screenName, usernames),
        sms: 'pending',
        createdAt: now,
      };
      const claim = await deps.ledger.claim(notification);
      if (!claim.claimed) {
        // Already handled (or in flight) for this window: finish what is missing, send nothing.
        // Still 'pending' means another delivery is sending, or one died after the claim: its
        // matches may have been texted, so they go into the history either way (appending twice
        // changes nothing) and are never texted again in a later window.
        const { existing } = claim;
        const unfinished = !existing.historyRecordedAt;
        if (unfinished) await recordHistory(existing, now);
        return {
          kind: 'notified',
          notification: existing,
          repeat: true,
          pushDue: unfinished && existing.sms !== 'pending',
        };
      }

      let sms: Notification['sms'];
      let smsDetail: string | undefined;
      if (user.phoneVerified !== true) {
        // Nobody is texted on a number they did not prove is theirs.
        sms = 'skipped';
        smsDetail = 'phone is unverified';
      } else if (user.phoneStatus !== 'ok') {
        sms = 'skipped';
        smsDetail = `phone is ${user.phoneStatus}`;
      } else if (await deps.users.isOptedOut(user.phone)) {
        // The number sent STOP, perhaps while another user listed it.
        sms = 'skipped';
        smsDetail = 'phone is opted_out';
      } else {
        try {
          const sent = await deps.sms.send({
            to: user.phone,
            body: notification.message,
            username: user.username,
          });
          sms = deps.sms.mode === 'outbox' ? 'outbox' : 'sent';
          smsDetail = sent.id;
        } catch (error) {
          if (!(error instanceof SmsDeliveryError) || error.kind === 'transient') {
            await deps.ledger.release(key);
            throw error;
          }
          sms = 'failed';
          smsDetail = `${error.message} to ${maskPhone(user.phone)}`;
          if (error.kind === 'invalid_number' || error.kind === 'opted_out') {
            const status = error.kind === 'invalid_number' ? 'invalid' : 'opted_out';
            if (status === 'opted_out') await deps.users.setOptOut(user.phone, true, now);
            else await deps.users.setPhoneStatus(user.phone, status);
            log(`SMS to ${user.username} refused (${error.message}); phone marked ${status}`);
          } else log(`SMS to ${user.username} refused (${error.message}); not retried`);
        }
      }
      await deps.ledger.settle(key, sms, smsDetail);
      const settled = { ...notification, sms, ...(smsDetail ? { smsDetail } : {}) };
      await recordHistory(settled, now);
      return { kind: 'notified', notification: settled, repeat: false, pushDue: true };
    },
  };

  async function recordHistory(notification: Notification, now: Date): Promise<void> {
    await deps.users.appendHistory(
      notification.username,
      notification.matches.map((m) => m.username),
    );
    await deps.ledger.historyRecorded(notification._id, now);
  }
}

export type EncounterMatcher = ReturnType<typeof createEncounterMatcher>;
