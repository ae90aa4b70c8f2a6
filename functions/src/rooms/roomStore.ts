import type { Collection, UpdateFilter } from 'mongodb';
import { collectionNames } from '../settings/settingNames';
import { ExpiringCache } from '../storage/expiringCache';
import type { Database } from '../storage/mongoDatabase';
import { type Applied, RoomError } from './roomCommands';
import { type RoomDocument, roomLimits } from './roomModel';

export interface RoomStoreOptions {
  /** Attempts of one conditional update before the caller is told to try again. */
  readonly maxAttempts?: number;
  /** Called on every lost race (another instance changed the room first); for the benchmark. */
  readonly onConflict?: () => void;
  /** Snapshots kept per instance; the oldest go first. */
  readonly cacheEntries?: number;
}

/**
 * The `rooms` collection, with cache-aside reads: each instance keeps the room documents it has
 * read and, before using one, reads only the current version (`{version: 1}` by `_id`). A match is
 * served from memory; a mismatch reads the document again. Every write is a replace conditional
 * on the version it was computed from, so an update made on another instance in between is never
 * lost or applied twice: the loser reads again and recomputes, a bounded number of times. On one
 * instance, updates to a room take turns, so conflicts only come from other instances.
 */
export class RoomStore {
  private readonly cache: ExpiringCache<string, RoomDocument>;
  private readonly maxAttempts: number;
  /** Updates in flight on this instance, by room: they take turns rather than race each other. */
  private readonly turns = new Map<string, Promise<unknown>>();

  constructor(
    private readonly database: Database,
    private readonly options: RoomStoreOptions = {},
  ) {
    this.maxAttempts = options.maxAttempts ?? 25;
    // Validated by version on every use, so the TTL only bounds memory held for idle rooms.
    this.cache = new ExpiringCache({
      ttlMs: 10 * 60_000,
      maxEntries: options.cacheEntries ?? 2_000,
    });
  }

  private async rooms(): Promise<Collection<RoomDocument>> {
    return (await this.database()).collection<RoomDocument>(collectionNames.rooms);
  }

  /** The room, from this instance's cache when its version is still current. */
  async get(roomId: string): Promise<RoomDocument | undefined> {
    const rooms = await this.rooms();
    const cached = this.cache.lookup(roomId);
    if (cached.hit) {
      const current = await rooms.findOne({ _id: roomId }, { projection: { version: 1 } });
      if (!current) {
        this.cache.delete(roomId);
        return undefined;
      }
      if (current.version === cached.value.version) return cached.value;
    }
    const room = (await rooms.findOne({ _id: roomId })) ?? undefined;
    if (room) this.cache.set(roomId, room);
    else this.cache.delete(roomId);
    return room;
  }

  async roomIdForInvite(inviteCode: string): Promise<string | undefined> {
    const room = await (await this.rooms()).findOne({ inviteCode }, { projection: { _id: 1 } });
    return room?._id;
  }

  /** Rooms the user is a member of, newest first. */
  async forMember(userId: string): Promise<RoomDocument[]> {
    return (await this.rooms())
      .find({ 'members.userId': userId })
      .sort({ createdAt: -1 })
      .limit(200)
      .toArray();
  }

  /** The ids and versions of the user's rooms (at most `limit`), without anything else. */
  async versionsOf(userId: string, limit = 200): Promise<Pick<RoomDocument, '_id' | 'version'>[]> {
    return (await this.rooms())
      .find({ 'members.userId': userId }, { projection: { _id: 1, version: 1 } })
      .limit(limit)
      .toArray();
  }

  /** The ids, versions and members of the user's rooms, without their queues (for presence). */
  async membershipsOf(
    userId: string,
  ): Promise<Pick<RoomDocument, '_id' | 'version' | 'members'>[]> {
    return (await this.rooms())
      .find({ 'members.userId': userId }, { projection: { _id: 1, version: 1, members: 1 } })
      .limit(200)
      .toArray();
  }

  /**
   * Inserts a new room. Returns the stored one when a room with that id exists already (the same
   * request, retried); a taken invite code is reported for the caller to draw another.
   */
  async create(
    room: RoomDocument,
  ): Promise<{ room: RoomDocument; created: boolean } | 'inviteTaken'> {
    const rooms = await this.rooms();
    try {
      await rooms.insertOne(room);
      this.cache.set(room._id, room);
      return { room, created: true };
    } catch (error) {
      if ((error as { code?: unknown }).code !== 11000) throw error;
      const existing = await rooms.findOne({ _id: room._id });
      return existing ? { room: existing, created: false } : 'inviteTaken';
    }
  }

  /**
   * Applies `change` to the current room and stores it on the condition that nobody else changed it
   * first, reading again and recomputing when someone did. A request id already applied answers
   * with its first result and changes nothing.
   */
  update(
    roomId: string,
    change: (room: RoomDocument) => Applied,
    requestKey?: string,
  ): Promise<Applied & { replayed: boolean }> {
    // One instance runs many invocations at once; racing them on one document would only spend
    // requests on conflicts. Across instances, the version condition below decides.
    const previous = this.turns.get(roomId) ?? Promise.resolve();
    const turn = previous.then(
      () => this.updateNow(roomId, change, requestKey),
      () => this.updateNow(roomId, change, requestKey),
    );
    const settled = turn.catch(() => undefined);
    this.turns.set(roomId, settled);
    void settled.then(() => {
      if (this.turns.get(roomId) === settled) this.turns.delete(roomId);
    });
    return turn;
  }

  private async updateNow(
    roomId: string,
    change: (room: RoomDocument) => Applied,
    requestKey: string | undefined,
  ): Promise<Applied & { replayed: boolean }> {
    const rooms = await this.rooms();
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      const room = await this.get(roomId);
      if (!room) throw new RoomError('not_found', `there is no room ${roomId}`);
      const earlier = requestKey && room.applied.find((entry) => entry.key === requestKey);
      if (earlier) return { room, result: earlier.result, replayed: true };
      const applied = change(room);
      if (!applied.change) return { ...applied, replayed: false };
      const entry = requestKey ? { key: requestKey, result: applied.result } : undefined;
      const stored: RoomDocument = entry
        ? { ...applied.room, applied: [...room.applied, entry].slice(-roomLimits.applied) }
        : applied.room;
      const { matchedCount } = await rooms.updateOne(
        { _id: roomId, version: room.version },
        changesBetween(room, applied.room, entry),
      );
      if (matchedCount === 1) {
        this.cache.set(roomId, stored);
        return { ...applied, room: stored, replayed: false };
      }
      this.options.onConflict?.();
      this.cache.delete(roomId);
      // Jittered, growing: instances racing on one room spread out instead of colliding again.
      await new Promise((resolve) =>
        setTimeout(resolve, Math.random() * Math.min(500, 5 * 2 ** attempt)),
      );
    }
    throw new RoomError('busy', `room ${roomId} is changing too fast; try again`);
  }
}

/**
 * The update that turns `before` into `after`, sending only what changed: a command builds `after`
 * by copying `before` and replacing what it changes, so unchanged fields, members and items are the
 * same objects. An added item is pushed, a changed one set by its index; a room of 500 items is not
 * written whole for one vote.
 */
export function changesBetween(
  before: RoomDocument,
  after: RoomDocument,
  applied?: RoomDocument['applied'][number],
): UpdateFilter<RoomDocument> {
  const set: Record<string, unknown> = {};
  const push: Record<string, unknown> = {};
  for (const key of Object.keys(after) as (keyof RoomDocument)[]) {
    if (key === '_id' || key === 'applied' || after[key] === before[key]) continue;
    if (key === 'items' || key === 'members') {
      const was = before[key] as readonly unknown[];
      const is = after[key] as readonly unknown[];
      if (is.length > was.length && was.every((value, i) => value === is[i])) {
        push[key] = { $each: is.slice(was.length) };
        continue;
      }
      const changed = is.flatMap((value, i) => (value === was[i] ? [] : [i]));
      if (is.length === was.length && changed.length <= 4) {
        for (const i of changed) set[`${key}.${i}`] = is[i];
        continue;
      }
    }
    set[key] = after[key];
  }
  if (applied) push.applied = { $each: [applied], $slice: -roomLimits.applied };
  return {
    ...(Object.keys(set).length > 0 ? { $set: set } : {}),
    ...(Object.keys(push).length > 0 ? { $push: push } : {}),
  } as UpdateFilter<RoomDocument>;
}
