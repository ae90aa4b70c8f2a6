import { collectionNames } from '../settings/settingNames';
import type { MongoIndex } from '../storage/mongoDatabase';

/** What the room queries need (see `MongoIndex`). */
export const roomIndexes: Readonly<Record<string, readonly MongoIndex[]>> = {
  // Joining finds a room by its invite code; a code names one room.
  [collectionNames.rooms]: [
    { key: { inviteCode: 1 }, unique: true },
    { key: { 'members.userId': 1 } },
    // A person's rooms are listed newest first; Cosmos DB sorts only on an indexed field.
    { key: { createdAt: 1 } },
  ],
  [collectionNames.roomConnections]: [{ key: { userId: 1 } }],
};
