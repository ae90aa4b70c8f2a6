import type { RoomSnapshot } from '../../../functions/src/rooms/contract';
import { queueOrder, type RoomChange, type RoomItem } from '../../../functions/src/rooms/contract';

export type { RoomChange, RoomItem, RoomSnapshot };

/** `roomUpdated`'s argument. */
export interface RoomUpdate {
  readonly roomId: string;
  readonly version: number;
  readonly change: RoomChange;
}

export interface RoomReplicaOptions {
  /** Reads the room again (`GET /api/rooms/{id}`), when an update is missing. */
  readonly resync: () => Promise<RoomSnapshot>;
  /** How long a later update waits for the missing ones before a resync (default 500 ms). */
  readonly gapWaitMs?: number;
  readonly onChange?: (state: RoomSnapshot) => void;
}

/**
 * One client's copy of a room. Updates apply in version order: an old one is ignored, a later one
 * waits for those before it, and when they do not come (a message was lost, or the client was
 * away) the room is read again. The room page, the benchmark and the tests all keep rooms this way.
 */
export class RoomReplica {
  state: RoomSnapshot | undefined;
  /** How many times the room was read again to close a gap. */
  resyncs = 0;
  private readonly pending = new Map<number, RoomUpdate>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly options: RoomReplicaOptions) {}

  /** A full snapshot (`roomState`, or a read): replaces the copy, then applies what was waiting. */
  reset(snapshot: RoomSnapshot): void {
    if (this.state && snapshot.version < this.state.version) return;
    this.state = snapshot;
    this.drain();
  }

  apply(update: RoomUpdate): void {
    if (!this.state || update.version <= this.state.version) return;
    this.pending.set(update.version, update);
    this.drain();
    if (this.pending.size > 0 && !this.timer)
      this.timer = setTimeout(() => {
        this.timer = undefined;
        if (this.pending.size > 0) void this.resync();
      }, this.options.gapWaitMs ?? 500);
  }

  /**
   * The room's current version, as `roomVersions` names it on (re)connection: a copy that lacks it
   * reads the room; a current one costs nothing.
   */
  async catchUp(version: number): Promise<void> {
    if (this.state && this.state.version >= version) return;
    await this.resync();
  }

  presence(online: readonly string[]): void {
    if (!this.state) return;
    this.state = { ...this.state, online };
    this.options.onChange?.(this.state);
  }

  /** Stops waiting for missing updates. */
  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async resync(): Promise<void> {
    this.resyncs++;
    try {
      this.reset(await this.options.resync());
    } catch {
      // Unreachable for now: the next update that arrives out of order tries again.
    }
  }

  private drain(): void {
    let state = this.state;
    if (!state) return;
    for (const version of [...this.pending.keys()])
      if (version <= state.version) this.pending.delete(version);
    for (;;) {
      const next = this.pending.get(state.version + 1);
      if (!next) break;
      this.pending.delete(next.version);
      state = { ...applyChange(state, next.change), version: next.version };
    }
    this.state = state;
    this.options.onChange?.(state);
  }
}

/** A room after one change, the queue kept in play order (highest score, then earliest added). */
export function applyChange(state: RoomSnapshot, change: RoomChange): RoomSnapshot {
  const withItems = (items: readonly RoomItem[]) => ({ ...state, items: queueOrder(items) });
  const replacing = (updated: readonly RoomItem[]) => {
    const byId = new Map(updated.map((item) => [item.itemId, item]));
    return withItems(state.items.map((item) => byId.get(item.itemId) ?? item));
  };
  switch (change.type) {
    case 'memberJoined':
      return state.members.some((m) => m.userId === change.userId)
        ? state
        : {
            ...state,
            ownerId: change.ownerId,
            members: [
              ...state.members,
              { userId: change.userId, name: change.name, joinedAt: change.joinedAt },
            ],
          };
    case 'memberLeft':
      return {
        ...replacing(change.items),
        ownerId: change.ownerId,
        members: state.members.filter((m) => m.userId !== change.userId),
      };
    case 'itemAdded':
      return state.items.some((item) => item.itemId === change.item.itemId)
        ? state
        : withItems([...state.items, change.item]);
    case 'itemVoted':
      return replacing([change.item]);
    case 'itemRemoved':
      return {
        ...withItems(state.items.filter((item) => item.itemId !== change.itemId)),
        nowPlaying: state.nowPlaying === change.itemId ? null : state.nowPlaying,
      };
    case 'nowPlaying':
      return { ...state, nowPlaying: change.itemId };
  }
}
