import type { Collection } from 'mongodb';
import { collectionNames } from '../settings/settingNames';
import type { Database } from '../storage/mongoDatabase';
import type { Match } from './userStore';

export type SmsOutcome = 'pending' | 'sent' | 'outbox' | 'failed' | 'skipped';

/** One user's notification for one scheduler window; `_id` is the idempotency key. */
export interface Notification {
  readonly _id: string;
  readonly username: string;
  readonly window: number;
  readonly matches: readonly Match[];
  /** The SMS text, recorded whether or not it could be sent. */
  readonly message: string;
  readonly sms: SmsOutcome;
  readonly smsDetail?: string;
  readonly createdAt: Date;
  readonly historyRecordedAt?: Date;
}

/**
 * The `notifications` collection. A notification is recorded under its key before anything is
 * sent, so a redelivered queue message finds it and sends nothing twice; a transient failure
 * releases the key so that the retry may send.
 */
export class NotificationLedger {
  constructor(private readonly database: Database) {}

  private async notifications(): Promise<Collection<Notification>> {
    return (await this.database()).collection<Notification>(collectionNames.notifications);
  }

  static key(username: string, window: number): string {
    return `${username}:${window}`;
  }

  /** Records the notification; returns the existing one instead when the key is already taken. */
  async claim(
    notification: Notification,
  ): Promise<{ claimed: true } | { claimed: false; existing: Notification }> {
    const notifications = await this.notifications();
    try {
      await notifications.insertOne(notification);
      return { claimed: true };
    } catch (error) {
      if ((error as { code?: unknown }).code !== 11000) throw error;
      const existing = await notifications.findOne({ _id: notification._id });
      if (!existing) throw error; // released in between: let the retry claim it
      return { claimed: false, existing };
    }
  }

  async release(key: string): Promise<void> {
    await (await this.notifications()).deleteOne({ _id: key, sms: 'pending' });
  }

  async settle(key: string, sms: SmsOutcome, smsDetail?: string): Promise<void> {
    await (await this.notifications()).updateOne(
      { _id: key },
      { $set: { sms, ...(smsDetail ? { smsDetail } : {}) } },
    );
  }

  async historyRecorded(key: string, at: Date): Promise<void> {
    await (await this.notifications()).updateOne({ _id: key }, { $set: { historyRecordedAt: at } });
  }

  async recent(limit: number): Promise<Notification[]> {
    return (await this.notifications()).find({}, { sort: { createdAt: -1 }, limit }).toArray();
  }
}
