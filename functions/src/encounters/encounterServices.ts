import type { EncounterConfig, StorageConnection } from '../settings/config';
import { queueNames, tableNames } from '../settings/settingNames';
import type { Database } from '../storage/mongoDatabase';
import { createQueueClientFactory } from '../storage/queueClientFactory';
import type { LazyTable } from '../storage/tableClientFactory';
import { createEncounterMatcher, type EncounterMatcher } from './encounterMatcher';
import { createEncounterScheduler, type EncounterScheduler } from './encounterScheduler';
import { NotificationLedger } from './notificationLedger';
import { PhoneVerification } from './phoneVerification';
import { SmsOutbox } from './smsOutbox';
import { createTwilioSmsSender } from './twilioSms';
import { UserStore } from './userStore';

export interface EncounterServices {
  readonly users: UserStore;
  readonly ledger: NotificationLedger;
  readonly scheduler: EncounterScheduler;
  readonly matcher: EncounterMatcher;
  readonly verification: PhoneVerification;
  /** Present while SMS_MODE is `outbox`. */
  readonly outbox?: SmsOutbox;
  readonly twilioAuthToken?: string;
  /** The URL Twilio signs, when set (TWILIO_WEBHOOK_URL). */
  readonly twilioWebhookUrl?: string;
}

/** Builds the encounters feature from its config; nothing connects until first use. */
export function createEncounterServices(
  config: EncounterConfig,
  storage: StorageConnection,
  table: (name: string) => LazyTable,
  /** The app's MongoDB database, shared with the rooms feature. */
  database: Database,
): EncounterServices {
  const users = new UserStore(database);
  const ledger = new NotificationLedger(database);
  const outbox =
    config.sms.kind === 'outbox' ? new SmsOutbox(table(tableNames.smsOutbox)) : undefined;
  const sms =
    config.sms.kind === 'twilio'
      ? createTwilioSmsSender(config.sms.twilio)
      : (outbox as SmsOutbox).sender();
  const queues = createQueueClientFactory(storage);
  const scheduler = createEncounterScheduler({
    users,
    locationFreshMs: config.locationFreshMs,
    // Base64, the encoding host.json tells the queue trigger to expect.
    enqueue: async (job) => {
      const queue = await queues(queueNames.encounters);
      await queue.sendMessage(Buffer.from(JSON.stringify(job)).toString('base64'));
    },
  });
  const matcher = createEncounterMatcher({
    users,
    ledger,
    sms,
    maxMatches: config.maxMatches,
    locationFreshMs: config.locationFreshMs,
  });
  return {
    users,
    ledger,
    scheduler,
    matcher,
    verification: new PhoneVerification(database, sms),
    ...(outbox ? { outbox } : {}),
    ...(config.twilioAuthToken ? { twilioAuthToken: config.twilioAuthToken } : {}),
    ...(config.twilioWebhookUrl ? { twilioWebhookUrl: config.twilioWebhookUrl } : {}),
  };
}
