/**
 * A room as stored: one document per room in the `rooms` collection, with its members, its queue
 * and a version that every change increments (the condition each write is made on).
 *
 * Votes are kept as member slots (small integers) rather than user ids, which bounds the document:
 * 500 items with 100 votes each stay near 0.6 MB, under Cosmos DB's 2 MB document limit
 * (learn.microsoft.com/azure/cosmos-db/concepts-limits#per-item-limits).
 */
export interface RoomDocument {
  readonly _id: string;
  readonly name: string;
  /** '' once the last member has left: the next to join owns it. */
  readonly ownerId: string;
  /** Who created it: a replayed `createRoom` finds its room by this, whoever owns it now. */
  readonly createdBy?: string;
  readonly inviteCode: string;
  readonly version: number;
  readonly createdAt: string;
  readonly members: readonly StoredMember[];
  /** The next member's slot; slots are never reused, so a vote never moves to another member. */
  readonly nextSlot: number;
  readonly items: readonly StoredItem[];
  readonly nowPlaying: string | null;
  /** Results of the latest requests that carried a `requestId`, so a retried one is applied once. */
  readonly applied: readonly AppliedRequest[];
}

export interface StoredMember {
  readonly userId: string;
  /** The name their sign-in token gave, for display; never used to authorize. */
  readonly name: string;
  readonly slot: number;
  readonly joinedAt: string;
}

export interface StoredItem {
  readonly itemId: string;
  readonly title: string;
  readonly artist: string;
  readonly durationSeconds: number;
  readonly catalogId?: string;
  readonly addedBy: string;
  readonly addedAt: string;
  /** Slots of the members who voted +1 and -1. */
  readonly up: readonly number[];
  readonly down: readonly number[];
}

export interface AppliedRequest {
  readonly key: string;
  readonly result: unknown;
}

export const roomLimits = {
  items: 500,
  members: 100,
  /** Request ids remembered per room. */
  applied: 200,
  /** Rooms one person may be a member of at once. */
  roomsPerPerson: 50,
  /**
   * A room's `roomState` as JSON, at most: SignalR's REST API takes 1 MB (fieldline sends at most
   * 256 KiB, `maxSignalRMessageBytes`), so a room stays well inside one message.
   */
  stateBytes: 192 * 1024,
} as const;

/** How big the room's `roomState` message is. */
export function roomStateBytes(room: RoomDocument): number {
  return new TextEncoder().encode(JSON.stringify(toRoomState(room))).length;
}

/** An item as clients see it: its score, and each member's vote by user id. */
export type RoomItem = Omit<StoredItem, 'up' | 'down'> & {
  readonly score: number;
  readonly votes: Readonly<Record<string, 1 | -1>>;
};

/** The snapshot clients receive (`roomState`, `GET /api/rooms/{id}`), the queue in play order. */
export interface RoomState {
  readonly roomId: string;
  readonly name: string;
  readonly ownerId: string;
  readonly inviteCode: string;
  readonly version: number;
  readonly members: readonly {
    readonly userId: string;
    readonly name: string;
    readonly joinedAt: string;
  }[];
  readonly items: readonly RoomItem[];
  readonly nowPlaying: string | null;
}

/** What one change did, in `roomUpdated`: enough for a client at the previous version to apply it. */
export type RoomChange =
  | {
      readonly type: 'memberJoined';
      readonly userId: string;
      readonly name: string;
      readonly joinedAt: string;
      /** The owner after the change: the joiner, when the room had no members left. */
      readonly ownerId: string;
    }
  | {
      readonly type: 'memberLeft';
      readonly userId: string;
      /** The owner after the change: the longest-standing member when the owner left ('' when nobody is left). */
      readonly ownerId: string;
      readonly items: readonly RoomItem[];
    }
  | { readonly type: 'itemAdded'; readonly item: RoomItem }
  | { readonly type: 'itemVoted'; readonly item: RoomItem }
  | { readonly type: 'itemRemoved'; readonly itemId: string }
  | { readonly type: 'nowPlaying'; readonly itemId: string };

export function isMember(room: RoomDocument, userId: string): boolean {
  return room.members.some((member) => member.userId === userId);
}

export function toRoomItem(room: RoomDocument, item: StoredItem): RoomItem {
  const users = new Map(room.members.map((member) => [member.slot, member.userId]));
  const votes: Record<string, 1 | -1> = {};
  for (const slot of item.up) {
    const user = users.get(slot);
    if (user) votes[user] = 1;
  }
  for (const slot of item.down) {
    const user = users.get(slot);
    if (user) votes[user] = -1;
  }
  const { up, down, ...fields } = item;
  return { ...fields, score: up.length - down.length, votes };
}

/** Highest score first; among equals, the earliest added (then the id, so every reader agrees). */
export function queueOrder<T extends { score: number; addedAt: string; itemId: string }>(
  items: readonly T[],
): T[] {
  return [...items].sort(
    (a, b) =>
      b.score - a.score || a.addedAt.localeCompare(b.addedAt) || a.itemId.localeCompare(b.itemId),
  );
}

export function toRoomState(room: RoomDocument): RoomState {
  return {
    roomId: room._id,
    name: room.name,
    ownerId: room.ownerId,
    inviteCode: room.inviteCode,
    version: room.version,
    members: room.members.map(({ userId, name, joinedAt }) => ({ userId, name, joinedAt })),
    items: queueOrder(room.items.map((item) => toRoomItem(room, item))),
    nowPlaying: room.nowPlaying,
  };
}
