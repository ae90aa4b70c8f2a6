import { describe, expect, it } from 'vitest';
import { createEncounterMatcher, type EncounterMatcherDeps } from './encounterMatcher';
import type { EncounterUser } from './encounterUser';
import type { Notification, SmsOutcome } from './notificationLedger';
import { SmsDeliveryError, type SmsFailureKind } from './smsSender';
import type { Match } from './userStore';

const now = new Date('2026-03-01T12:00:00Z');

function user(username: string, overrides: Partial<EncounterUser> = {}): EncounterUser {
  return {
    username,
    screenName: username.toUpperCase(),
    phone: `+4477009000${username.length}`,
    interests: ['tea', 'maps'],
    location: { type: 'Point', coordinates: [0, 51] },
    encounter: { enabled: true, radiusMeters: 1000, locationUpdatedAt: now },
    matchHistory: [],
    phoneStatus: 'ok',
    phoneVerified: true,
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
}

const match = (username: string): Match => ({
  username,
  screenName: username,
  sharedInterests: 2,
  distanceMeters: 250,
});

/** The users collection, the notification ledger and the SMS sender, in memory, logging each step. */
function setup(
  options: { users?: EncounterUser[]; smsFails?: SmsFailureKind[]; optedOut?: string[] } = {},
) {
  const steps: string[] = [];
  const users = new Map((options.users ?? [user('ann')]).map((u) => [u.username, u]));
  const notifications = new Map<string, Notification>();
  const history = new Map<string, string[]>();
  const optedOut = new Set(options.optedOut ?? []);
  const smsFails = [...(options.smsFails ?? [])];
  const texts: string[] = [];
  const deps: EncounterMatcherDeps = {
    users: {
      get: async (username) => users.get(username),
      findMatches: async () => [match('bob'), match('cat')],
      isOptedOut: async (phone) => optedOut.has(phone),
      setOptOut: async (phone, out) => {
        steps.push(`optOut ${phone} ${out}`);
        if (out) optedOut.add(phone);
      },
      setPhoneStatus: async (phone, status) => {
        steps.push(`phoneStatus ${phone} ${status}`);
        return 1;
      },
      appendHistory: async (username, matched) => {
        steps.push('history');
        history.set(username, [...(history.get(username) ?? []), ...matched]);
      },
    },
    ledger: {
      claim: async (notification) => {
        steps.push('claim');
        const existing = notifications.get(notification._id);
        if (existing) return { claimed: false, existing };
        notifications.set(notification._id, notification);
        return { claimed: true };
      },
      release: async (key) => {
        steps.push('release');
        if (notifications.get(key)?.sms === 'pending') notifications.delete(key);
      },
      settle: async (key, sms: SmsOutcome, smsDetail) => {
        steps.push(`settle ${sms}`);
        const found = notifications.get(key);
        if (found) notifications.set(key, { ...found, sms, ...(smsDetail ? { smsDetail } : {}) });
      },
      historyRecorded: async (key, at) => {
        steps.push('historyRecorded');
        const found = notifications.get(key);
        if (found) notifications.set(key, { ...found, historyRecordedAt: at });
      },
    },
    sms: {
      mode: 'twilio',
      send: async (message) => {
        steps.push('sms');
        const failure = smsFails.shift();
        if (failure) throw new SmsDeliveryError(failure, `refused: ${failure}`);
        texts.push(message.body);
        return { id: `SM${texts.length}` };
      },
    },
    maxMatches: 2,
    locationFreshMs: 15 * 60_000,
  };
  return { matcher: createEncounterMatcher(deps), steps, notifications, history, texts, optedOut };
}

describe('the encounter matcher, in memory', () => {
  it('claims the notification, texts, settles, then records the history, in that order', async () => {
    const { matcher, steps, texts, history } = setup();
    const outcome = await matcher.match({ username: 'ann', window: 7 }, now);
    expect(steps).toEqual(['claim', 'sms', 'settle sent', 'history', 'historyRecorded']);
    expect(texts).toEqual(["ANN, we've found matches for you: @bob, @cat!"]);
    expect(history.get('ann')).toEqual(['bob', 'cat']);
    expect(outcome).toMatchObject({ kind: 'notified', repeat: false, pushDue: true });
  });

  it('sends nothing twice when the same job is delivered again', async () => {
    const { matcher, texts } = setup();
    await matcher.match({ username: 'ann', window: 7 }, now);
    const again = await matcher.match({ username: 'ann', window: 7 }, now);
    expect(texts).toHaveLength(1);
    expect(again).toMatchObject({ kind: 'notified', repeat: true, pushDue: false });
  });

  it('releases the claim and throws on a transient SMS failure, so the retry may send', async () => {
    const { matcher, steps, texts } = setup({ smsFails: ['transient'] });
    await expect(matcher.match({ username: 'ann', window: 7 }, now)).rejects.toThrow('transient');
    expect(steps).toEqual(['claim', 'sms', 'release']);
    await matcher.match({ username: 'ann', window: 7 }, now);
    expect(texts).toHaveLength(1);
  });

  it('marks a refused number and gives the text up, but still records the matches', async () => {
    const invalid = setup({ smsFails: ['invalid_number'] });
    await invalid.matcher.match({ username: 'ann', window: 7 }, now);
    expect(invalid.steps).toEqual([
      'claim',
      'sms',
      `phoneStatus ${user('ann').phone} invalid`,
      'settle failed',
      'history',
      'historyRecorded',
    ]);
    const stop = setup({ smsFails: ['opted_out'] });
    await stop.matcher.match({ username: 'ann', window: 7 }, now);
    expect(stop.optedOut.has(user('ann').phone)).toBe(true);
  });

  it('does not text an opted-out number or a phone marked bad, and skips users who left', async () => {
    const out = setup({ optedOut: [user('ann').phone] });
    await out.matcher.match({ username: 'ann', window: 7 }, now);
    expect(out.steps).toEqual(['claim', 'settle skipped', 'history', 'historyRecorded']);
    const bad = setup({ users: [user('ann', { phoneStatus: 'invalid' })] });
    await bad.matcher.match({ username: 'ann', window: 7 }, now);
    expect(bad.texts).toEqual([]);
    const gone = setup({ users: [] });
    expect(await gone.matcher.match({ username: 'ann', window: 7 }, now)).toMatchObject({
      kind: 'skipped',
    });
    const disabled = setup({
      users: [user('ann', { encounter: { enabled: false, radiusMeters: 1000 } })],
    });
    expect(await disabled.matcher.match({ username: 'ann', window: 7 }, now)).toMatchObject({
      kind: 'skipped',
    });
  });
});
