import { createHash, randomInt } from 'node:crypto';
import type { Collection } from 'mongodb';
import { AppError } from '../host/appError';
import { collectionNames } from '../settings/settingNames';
import type { Database } from '../storage/mongoDatabase';
import type { SmsSender } from './smsSender';

/** How codes are handed out and checked; a phone gets match SMS only once a code came back. */
export const verificationLimits = {
  codeTtlMs: 10 * 60_000,
  /** Wrong codes before the code is void and a new one must be asked for. */
  attempts: 5,
  /** Codes one account may ask for in an hour, and codes one number may receive in an hour. */
  perSubjectPerHour: 5,
  perNumberPerHour: 3,
} as const;

interface PendingCode {
  readonly codeHash: string;
  readonly phone: string;
  readonly expiresAt: Date;
  readonly attempts: number;
}

/** Send times of the last hour, per number (`phone:<E.164>`) and per account (`subject:<issuer#sub>`). */
interface SendLog {
  readonly _id: string;
  readonly sends: readonly Date[];
}

const hourMs = 3_600_000;

/**
 * Verifies that a user's phone is theirs: a six-digit code by SMS (the outbox locally), asked for
 * at most 5 times an hour per account and 3 times an hour per number, and checked at most 5 times.
 * Until a code comes back the matcher sends that phone nothing, so nobody can have strangers'
 * numbers texted by listing them.
 */
export class PhoneVerification {
  constructor(
    private readonly database: Database,
    private readonly sms: SmsSender,
  ) {}

  private async users(): Promise<Collection> {
    return (await this.database()).collection(collectionNames.users);
  }

  private async sendLog(): Promise<Collection<SendLog>> {
    return (await this.database()).collection<SendLog>(collectionNames.phoneVerifications);
  }

  /**
   * Sends a new code to the user's phone, within the rate limits: per number always, per account
   * unless `subject` is undefined (a Users.Manage back end, which acts for many users).
   */
  async start(
    username: string,
    subject: string | undefined,
    now: Date,
  ): Promise<{ expiresAt: string }> {
    const users = await this.users();
    const user = await users.findOne({ username }, { projection: { phone: 1, phoneVerified: 1 } });
    if (!user) throw new AppError('not_found', `no user ${username}`);
    const phone = String(user.phone);
    if (user.phoneVerified === true)
      throw new AppError('conflict', `the phone of ${username} is verified already`);
    const log = await this.sendLog();
    const since = new Date(now.getTime() - hourMs);
    const limits: [string, number][] = [[`phone:${phone}`, verificationLimits.perNumberPerHour]];
    if (subject !== undefined)
      limits.unshift([`subject:${subject}`, verificationLimits.perSubjectPerHour]);
    // Every limit is checked before any is spent: a refused request costs nothing.
    const recentSends = await Promise.all(
      limits.map(async ([key]) =>
        ((await log.findOne({ _id: key }))?.sends ?? []).filter((at) => at >= since),
      ),
    );
    limits.forEach(([key, limit], index) => {
      const recent = recentSends[index] as Date[];
      if (recent.length >= limit)
        throw new AppError(
          'too_many_requests',
          `at most ${limit} codes an hour ${key.startsWith('phone:') ? 'to one number' : 'for one account'}; try again later`,
          {
            headers: {
              'retry-after': String(
                Math.max(
                  1,
                  Math.ceil(((recent[0] as Date).getTime() + hourMs - now.getTime()) / 1000),
                ),
              ),
            },
          },
        );
    });
    await Promise.all(
      limits.map(([key], index) =>
        log.updateOne(
          { _id: key },
          { $set: { sends: [...(recentSends[index] as Date[]), now] } },
          { upsert: true },
        ),
      ),
    );
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const pending: PendingCode = {
      codeHash: hashCode(username, code),
      phone,
      expiresAt: new Date(now.getTime() + verificationLimits.codeTtlMs),
      attempts: 0,
    };
    await users.updateOne({ username }, { $set: { phoneVerification: pending } });
    await this.sms.send({ to: phone, body: `Your fieldline code is ${code}`, username });
    return { expiresAt: pending.expiresAt.toISOString() };
  }

  /** Checks a code; the right one, in time, verifies the phone it was sent to. */
  async confirm(username: string, code: string, now: Date): Promise<void> {
    const users = await this.users();
    const user = await users.findOne(
      { username },
      { projection: { phone: 1, phoneVerification: 1 } },
    );
    if (!user) throw new AppError('not_found', `no user ${username}`);
    const pending = user.phoneVerification as PendingCode | undefined;
    if (!pending || pending.expiresAt < now || pending.attempts >= verificationLimits.attempts)
      throw new AppError(
        'validation_failed',
        'no code is waiting: ask for one with POST /api/users/{username}/phone/verification',
      );
    if (pending.phone !== user.phone)
      throw new AppError(
        'validation_failed',
        'the phone changed since the code was sent: ask for a new one',
      );
    if (!/^\d{6}$/.test(code) || hashCode(username, code) !== pending.codeHash) {
      await users.updateOne({ username }, { $inc: { 'phoneVerification.attempts': 1 } });
      throw new AppError(
        'validation_failed',
        `the code is wrong (${verificationLimits.attempts - pending.attempts - 1} tries left)`,
      );
    }
    await users.updateOne(
      { username, phone: pending.phone },
      { $set: { phoneVerified: true }, $unset: { phoneVerification: '' } },
    );
  }
}

function hashCode(username: string, code: string): string {
  return createHash('sha256').update(`${username}:${code}`).digest('base64url');
}
