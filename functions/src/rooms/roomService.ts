import { createHash, randomBytes } from 'node:crypto';
import type { Track } from '../catalog/track';
import { AppError } from '../host/appError';
import type { SignalRInvocation } from '../host/functionDefinition';
import { roomsHub } from '../realtime/hubs';
import type { RealtimeDelivery } from '../realtime/realtimeDelivery';
import type { SignalRMessage } from '../realtime/signalRMessage';
import { applyRoomCommand, parseRoomInvocation, RoomError } from './roomCommands';
import type { RoomMethod } from './roomMethods';
import {
  isMember,
  type RoomChange,
  type RoomDocument,
  type RoomState,
  roomLimits,
  roomStateBytes,
  toRoomState,
} from './roomModel';
import type { RoomPeople } from './roomPeople';
import type { RoomStore } from './roomStore';

/** A room's state with who is online in it: `roomState` and `GET /api/rooms/{id}`. */
export type RoomSnapshot = RoomState & { readonly online: readonly string[] };

export interface RoomSummary {
  readonly roomId: string;
  readonly name: string;
  readonly ownerId: string;
  readonly version: number;
  readonly members: number;
  readonly items: number;
}

export interface RoomService {
  /** Runs one client invocation of a hub method; its result completes the client's invocation. */
  invoke(method: RoomMethod, invocation: SignalRInvocation, log: Log): Promise<unknown>;
  connected(invocation: SignalRInvocation, log: Log): Promise<void>;
  disconnected(invocation: SignalRInvocation, log: Log): Promise<void>;
  /** For members only; others get a `not_found` AppError, so room ids cannot be probed. */
  snapshot(roomId: string, userId: string): Promise<RoomSnapshot>;
  list(userId: string): Promise<RoomSummary[]>;
  rememberName(userId: string, name: string): Promise<void>;
}

type Log = (line: string) => void;

const groupOf = (roomId: string) => `room-${roomId}`;
// Invite codes avoid letters and digits that read alike (I/1, O/0).
const inviteAlphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

export function createRoomService(deps: {
  readonly rooms: RoomStore;
  readonly people: RoomPeople;
  readonly realtime: RealtimeDelivery;
  /** Tracks by id, for `addItem({catalogId})`; absent when there is no catalog. */
  readonly catalog?: { get(id: string): Promise<Track | undefined> };
  readonly now?: () => Date;
}): RoomService {
  const { rooms, people, realtime } = deps;
  const now = deps.now ?? (() => new Date());

  const send = (messages: SignalRMessage[], log: Log) => realtime.send(roomsHub, messages, log);
  const updated = (room: RoomDocument, change: RoomChange): SignalRMessage => ({
    target: 'roomUpdated',
    arguments: [{ roomId: room._id, version: room.version, change }],
    groupName: groupOf(room._id),
  });
  async function snapshotOf(room: RoomDocument): Promise<RoomSnapshot> {
    return {
      ...toRoomState(room),
      online: await people.online(
        room.members.map((m) => m.userId),
        now(),
      ),
    };
  }
  async function announcePresence(room: Pick<RoomDocument, '_id' | 'members'>, log: Log) {
    const online = await people.online(
      room.members.map((m) => m.userId),
      now(),
    );
    await send(
      [
        {
          target: 'presence',
          arguments: [{ roomId: room._id, online }],
          groupName: groupOf(room._id),
        },
      ],
      log,
    );
  }
  async function sendState(room: RoomDocument, connectionId: string, log: Log) {
    await send([{ target: 'roomState', arguments: [await snapshotOf(room)], connectionId }], log);
  }

  /** `addItem` with a `catalogId` takes its title, artist and duration from the catalog. */
  async function fromCatalog(
    method: RoomMethod,
    args: readonly unknown[],
  ): Promise<readonly unknown[]> {
    const input = args[0] as Record<string, unknown> | undefined;
    if (method !== 'addItem' || typeof input?.catalogId !== 'string') return args;
    if (!deps.catalog) throw new RoomError('unavailable', 'the catalog is not configured here');
    const track = await deps.catalog.get(input.catalogId);
    if (!track)
      throw new RoomError(
        'not_found',
        `addItem.catalogId names no track in the catalog (${input.catalogId})`,
      );
    const { title, artist, durationSeconds } = track;
    return [{ ...input, title, artist, durationSeconds }, ...args.slice(1)];
  }

  async function run(method: RoomMethod, invocation: SignalRInvocation, userId: string, log: Log) {
    const { command, requestId } = parseRoomInvocation(
      method,
      await fromCatalog(method, invocation.arguments),
    );
    // Every invocation is a sign of life of its connection.
    await people.renew(invocation.connectionId, userId, now());
    if (command.method === 'stillHere') return { ok: true };
    const requestKey = requestId ? `${userId}:${requestId}` : undefined;
    // The display name is only recorded when someone becomes a member.
    const joining = command.method === 'createRoom' || command.method === 'joinRoom';
    const actor = { userId, name: joining ? await people.nameOf(userId) : userId };
    // A retried request finds the room its first attempt made: the id comes from the request.
    const createdId =
      command.method !== 'createRoom'
        ? undefined
        : requestKey
          ? createHash('sha256').update(requestKey).digest('base64url').slice(0, 16)
          : randomBytes(12).toString('base64url');
    // Nobody is in more than a bounded number of rooms: each one costs every reconnect.
    if (joining) {
      const mine = await rooms.versionsOf(userId, roomLimits.roomsPerPerson);
      if (mine.length >= roomLimits.roomsPerPerson) {
        const target =
          command.method === 'joinRoom'
            ? await rooms.roomIdForInvite(command.inviteCode)
            : createdId;
        // Repeating a join, or a create, of a room one is in changes nothing and is let through.
        if (!mine.some((room) => room._id === target))
          throw new RoomError(
            'too_many_rooms',
            `you are in ${roomLimits.roomsPerPerson} rooms, the most one person may be in; leave one first`,
          );
      }
    }
    if (command.method === 'createRoom') {
      const roomId = createdId as string;
      for (let attempt = 0; attempt < 5; attempt++) {
        const created = await rooms.create({
          _id: roomId,
          name: command.name,
          ownerId: userId,
          createdBy: userId,
          inviteCode: inviteCode(),
          version: 1,
          createdAt: now().toISOString(),
          members: [{ ...actor, slot: 0, joinedAt: now().toISOString() }],
          nextSlot: 1,
          items: [],
          nowPlaying: null,
          applied: [],
        });
        if (created === 'inviteTaken') continue;
        if ((created.room.createdBy ?? created.room.ownerId) !== userId)
          throw new RoomError('invalid_argument', 'createRoom.requestId is already in use');
        // A replay by someone who has since left gets neither the room's messages nor its code.
        if (!isMember(created.room, userId))
          throw new RoomError('not_member', `you left room ${roomId}; join it again to act in it`);
        await realtime.setGroupMembership(roomsHub, groupOf(roomId), userId, true);
        await sendState(created.room, invocation.connectionId, log);
        return { roomId, inviteCode: created.room.inviteCode, version: created.room.version };
      }
      throw new RoomError('busy', 'no free invite code was found; try again');
    }
    const roomId =
      command.method === 'joinRoom'
        ? await rooms.roomIdForInvite(command.inviteCode)
        : command.roomId;
    if (!roomId) throw new RoomError('not_found', 'no room has that invite code');
    const outcome = await rooms.update(
      roomId,
      (room) => {
        const applied = applyRoomCommand(room, command, actor, now(), () =>
          randomBytes(9).toString('base64url'),
        );
        // A room must fit one SignalR message: what would make it larger is refused.
        if (
          applied.change &&
          command.method !== 'leaveRoom' &&
          command.method !== 'removeItem' &&
          roomStateBytes(applied.room) > roomLimits.stateBytes
        )
          throw new RoomError(
            'room_too_large',
            `the room would pass ${roomLimits.stateBytes / 1024} KiB, the most one room may hold; remove items first`,
          );
        return applied;
      },
      requestKey,
    );
    if (command.method === 'joinRoom') {
      // Always (re)added: a join whose first attempt stored the member but failed here is retried.
      await realtime.setGroupMembership(roomsHub, groupOf(roomId), userId, true);
    } else if (command.method === 'leaveRoom') {
      await realtime.setGroupMembership(roomsHub, groupOf(roomId), userId, false);
    }
    if (outcome.change && !outcome.replayed)
      await send([updated(outcome.room, outcome.change)], log);
    if (command.method === 'joinRoom') await sendState(outcome.room, invocation.connectionId, log);
    if (command.method === 'joinRoom' || command.method === 'leaveRoom')
      await announcePresence(outcome.room, log);
    return outcome.result;
  }

  return {
    async invoke(method, invocation, log) {
      const userId = invocation.userId;
      try {
        if (!userId)
          throw new RoomError('forbidden', 'connect with a token from POST /api/rooms/negotiate');
        return await run(method, invocation, userId, log);
      } catch (error) {
        const refusal =
          error instanceof RoomError
            ? error
            : new RoomError('unavailable', `${method} could not be completed; try again`);
        if (!(error instanceof RoomError))
          log(`${method} failed: ${error instanceof Error ? error.message : String(error)}`);
        // The caller only, and the invocation completes with the same error.
        await send(
          [
            {
              target: 'roomError',
              arguments: [{ code: refusal.code, message: refusal.message, method }],
              connectionId: invocation.connectionId,
            },
          ],
          log,
        );
        throw new Error(`${refusal.code}: ${refusal.message}`);
      }
    },

    async connected(invocation, log) {
      if (!invocation.userId) return;
      await people.connected(invocation.connectionId, invocation.userId, now());
      // A reconnecting member may have missed changes: it gets each room's version, and reads the
      // rooms its copy lacks (GET /api/rooms/{id}), instead of every room's whole state.
      // One read serves both: the versions, and the members whose presence to announce.
      const mine = await rooms.membershipsOf(invocation.userId);
      if (mine.length > 0)
        await send(
          [
            {
              target: 'roomVersions',
              arguments: [mine.map((room) => ({ roomId: room._id, version: room.version }))],
              connectionId: invocation.connectionId,
            },
          ],
          log,
        );
      for (const room of mine) await announcePresence(room, log);
    },

    async disconnected(invocation, log) {
      await people.disconnected(invocation.connectionId);
      if (!invocation.userId) return;
      for (const room of await rooms.membershipsOf(invocation.userId))
        await announcePresence(room, log);
    },

    async snapshot(roomId, userId) {
      const room = await rooms.get(roomId);
      if (!room || !isMember(room, userId))
        throw new AppError('not_found', `there is no room ${roomId} that you are a member of`);
      return snapshotOf(room);
    },

    async list(userId) {
      return (await rooms.forMember(userId)).map((room) => ({
        roomId: room._id,
        name: room.name,
        ownerId: room.ownerId,
        version: room.version,
        members: room.members.length,
        items: room.items.length,
      }));
    },

    rememberName: (userId, name) => people.rememberName(userId, name, now()),
  };
}

function inviteCode(): string {
  return [...randomBytes(8)].map((byte) => inviteAlphabet[byte % inviteAlphabet.length]).join('');
}
