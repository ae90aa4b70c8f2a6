import { createHash, randomBytes } from 'node:crypto';
import type { Track } from '../catalog/track';
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
  roomLimits,
  roomStateBytes,
} from './roomModel';
import type { RoomPeople } from './roomPeople';
import type { RoomStore } from './roomStore';

type Log = (line: string) => void;
type RoomCommand = ReturnType<typeof parseRoomInvocation>['command'];

/** What a room invocation uses: the stores, SignalR, the catalog, and how the service tells members. */
export interface RoomContext {
  readonly rooms: RoomStore;
  readonly people: RoomPeople;
  readonly realtime: RealtimeDelivery;
  readonly catalog?: { get(id: string): Promise<Track | undefined> };
  readonly now: () => Date;
  send(messages: SignalRMessage[], log: Log): Promise<unknown>;
  sendState(room: RoomDocument, connectionId: string, log: Log): Promise<void>;
  announcePresence(room: Pick<RoomDocument, '_id' | 'members'>, log: Log): Promise<void>;
}

/** The SignalR group of a room's members. */
export const groupOf = (roomId: string) => `room-${roomId}`;
// Invite codes avoid letters and digits that read alike (I/1, O/0).
const inviteAlphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

const updated = (room: RoomDocument, change: RoomChange): SignalRMessage => ({
  target: 'roomUpdated',
  arguments: [{ roomId: room._id, version: room.version, change }],
  groupName: groupOf(room._id),
});
/** One client invocation of a hub method, as its member: parsed, checked, applied, and announced. */
export async function runRoomInvocation(
  ctx: RoomContext,
  method: RoomMethod,
  invocation: SignalRInvocation,
  userId: string,
  log: Log,
) {
  const { rooms, people, realtime, now } = ctx;
  const { command, requestId } = parseRoomInvocation(
    method,
    await fromCatalog(ctx.catalog, method, invocation.arguments),
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
  if (joining) await checkRoomLimit(ctx.rooms, command, userId, createdId);
  if (command.method === 'createRoom')
    return createRoom(ctx, command, createdId as string, actor, invocation.connectionId, log);
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
    await ctx.send([updated(outcome.room, outcome.change)], log);
  if (command.method === 'joinRoom')
    await ctx.sendState(outcome.room, invocation.connectionId, log);
  if (command.method === 'joinRoom' || command.method === 'leaveRoom')
    await ctx.announcePresence(outcome.room, log);
  return outcome.result;
}

/** `createRoom`: a new room with a free invite code, its creator in it and told its state. */
async function createRoom(
  ctx: RoomContext,
  command: Extract<RoomCommand, { method: 'createRoom' }>,
  roomId: string,
  actor: { userId: string; name: string },
  connectionId: string,
  log: Log,
) {
  const { rooms, realtime, now } = ctx;
  const userId = actor.userId;
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
    await ctx.sendState(created.room, connectionId, log);
    return { roomId, inviteCode: created.room.inviteCode, version: created.room.version };
  }
  throw new RoomError('busy', 'no free invite code was found; try again');
}

/** Nobody is in more than a bounded number of rooms: each one costs every reconnect. */
async function checkRoomLimit(
  rooms: RoomStore,
  command: RoomCommand,
  userId: string,
  createdId: string | undefined,
): Promise<void> {
  const mine = await rooms.versionsOf(userId, roomLimits.roomsPerPerson);
  if (mine.length >= roomLimits.roomsPerPerson) {
    const target =
      command.method === 'joinRoom' ? await rooms.roomIdForInvite(command.inviteCode) : createdId;
    // Repeating a join, or a create, of a room one is in changes nothing and is let through.
    if (!mine.some((room) => room._id === target))
      throw new RoomError(
        'too_many_rooms',
        `you are in ${roomLimits.roomsPerPerson} rooms, the most one person may be in; leave one first`,
      );
  }
}

/** `addItem` with a `catalogId` takes its title, artist and duration from the catalog. */
async function fromCatalog(
  catalog: RoomContext['catalog'],
  method: RoomMethod,
  args: readonly unknown[],
): Promise<readonly unknown[]> {
  const input = args[0] as Record<string, unknown> | undefined;
  if (method !== 'addItem' || typeof input?.catalogId !== 'string') return args;
  if (!catalog) throw new RoomError('unavailable', 'the catalog is not configured here');
  const track = await catalog.get(input.catalogId);
  if (!track)
    throw new RoomError(
      'not_found',
      `addItem.catalogId names no track in the catalog (${input.catalogId})`,
    );
  const { title, artist, durationSeconds } = track;
  return [{ ...input, title, artist, durationSeconds }, ...args.slice(1)];
}

function inviteCode(): string {
  return [...randomBytes(8)].map((byte) => inviteAlphabet[byte % inviteAlphabet.length]).join('');
}
