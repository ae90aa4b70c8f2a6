import { collectionNames } from '../settings/settingNames';

/** What the encounter queries need (see `MongoIndex`). */
export const encounterIndexes = {
  [collectionNames.users]: [
    { key: { username: 1 }, unique: true },
    // $geoNear needs exactly one 2dsphere index; ARM cannot declare one on Cosmos, so the app does.
    { key: { location: '2dsphere' } },
    // The scheduler's claim: opted-in users with a fresh location, not yet queued this window.
    { key: { 'encounter.enabled': 1, 'encounter.locationUpdatedAt': 1 } },
    { key: { 'encounter.queuedBy': 1 } },
    // The Twilio webhook finds users by phone.
    { key: { phone: 1 } },
    // One username per account: a claim looks for the account's other names.
    { key: { owner: 1 } },
  ],
  // Notification keys are the documents' _id, unique by definition; recent ones are listed by time.
  [collectionNames.notifications]: [{ key: { createdAt: 1 } }],
} as const;
