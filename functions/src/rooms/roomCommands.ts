import { freeTextProblem } from '../host/freeText';
import type { RoomMethod } from './roomMethods';
import {
  isMember,
  type RoomChange,
  type RoomDocument,
  roomLimits,
  type StoredItem,
  toRoomItem,
} from './roomModel';

/** A refusal the caller sees as `roomError {code, message}` and as its invocation's error. */
export class RoomError extends Error {
  override readonly name = 'RoomError';
  constructor(
    readonly code:
      | 'invalid_argument'
      | 'not_found'
      | 'not_member'
      | 'forbidden'
      | 'room_full'
      | 'queue_full'
      | 'room_too_large'
      | 'too_many_rooms'
      | 'busy'
      | 'unavailable',
    message: string,
  ) {
    super(message);
  }
}

export type RoomCommand =
  | { readonly method: 'createRoom'; readonly name: string }
  | { readonly method: 'joinRoom'; readonly inviteCode: string }
  | { readonly method: 'leaveRoom'; readonly roomId: string }
  | {
      readonly method: 'addItem';
      readonly roomId: string;
      readonly title: string;
      readonly artist: string;
      readonly durationSeconds: number;
      readonly catalogId?: string;
    }
  | {
      readonly method: 'vote';
      readonly roomId: string;
      readonly itemId: string;
      readonly value: 1 | -1;
    }
  | { readonly method: 'removeItem'; readonly roomId: string; readonly itemId: string }
  | { readonly method: 'setNowPlaying'; readonly roomId: string; readonly itemId: string }
  | { readonly method: 'stillHere' };

/** A command, and the client's id for this request when it sent one (see `applied`). */
export interface ParsedInvocation {
  readonly command: RoomCommand;
  readonly requestId?: string;
}

const idPattern = /^[A-Za-z0-9_-]{1,64}$/;
export const inviteCodePattern = /^[A-HJ-NP-Z2-9]{8}$/;
const maxDurationSeconds = 6 * 60 * 60;

/**
 * Checks a hub invocation's argument object field by field; every problem names its argument
 * (`addItem.title must be 1-200 characters`). Throws `invalid_argument` listing them all.
 */
export function parseRoomInvocation(
  method: RoomMethod,
  args: readonly unknown[],
): ParsedInvocation {
  const problems: string[] = [];
  const input = args[0];
  if (args.length !== 1 || typeof input !== 'object' || input === null || Array.isArray(input))
    throw new RoomError('invalid_argument', `${method} takes one argument, an object`);
  const fields = input as Record<string, unknown>;
  const text = (name: string, max: number, optional = false): string | undefined => {
    const value = fields[name];
    if (value === undefined && optional) return undefined;
    if (typeof value !== 'string' || value.trim() === '' || value.length > max) {
      problems.push(`${method}.${name} must be text of 1-${max} characters`);
      return undefined;
    }
    const unprintable = freeTextProblem(`${method}.${name}`, value);
    if (unprintable) {
      problems.push(unprintable);
      return undefined;
    }
    return value.trim();
  };
  const id = (name: string, optional = false): string | undefined => {
    const value = fields[name];
    if (value === undefined && optional) return undefined;
    if (typeof value !== 'string' || !idPattern.test(value)) {
      problems.push(`${method}.${name} must be an id of 1-64 letters, digits, _ and -`);
      return undefined;
    }
    return value;
  };
  const requestId = id('requestId', true);
  let command: RoomCommand | undefined;
  switch (method) {
    case 'createRoom': {
      const name = text('name', 80);
      if (name !== undefined) command = { method, name };
      break;
    }
    case 'joinRoom': {
      const inviteCode = fields.inviteCode;
      if (typeof inviteCode !== 'string' || !inviteCodePattern.test(inviteCode.toUpperCase()))
        problems.push(`${method}.inviteCode must be the room's 8-character invite code`);
      else command = { method, inviteCode: inviteCode.toUpperCase() };
      break;
    }
    case 'leaveRoom': {
      const roomId = id('roomId');
      if (roomId) command = { method, roomId };
      break;
    }
    case 'addItem': {
      const roomId = id('roomId');
      const title = text('title', 200);
      const artist = text('artist', 200);
      const catalogId = id('catalogId', true);
      const duration = fields.durationSeconds;
      if (
        !Number.isInteger(duration) ||
        (duration as number) < 1 ||
        (duration as number) > maxDurationSeconds
      )
        problems.push(
          `${method}.durationSeconds must be a whole number from 1 to ${maxDurationSeconds}`,
        );
      if (roomId && title && artist && problems.length === 0)
        command = {
          method,
          roomId,
          title,
          artist,
          durationSeconds: duration as number,
          ...(catalogId ? { catalogId } : {}),
        };
      break;
    }
    case 'vote': {
      const roomId = id('roomId');
      const itemId = id('itemId');
      const value = fields.value;
      if (value !== 1 && value !== -1) problems.push(`${method}.value must be 1 or -1`);
      else if (roomId && itemId) command = { method, roomId, itemId, value };
      break;
    }
    case 'removeItem':
    case 'setNowPlaying': {
      const roomId = id('roomId');
      const itemId = id('itemId');
      if (roomId && itemId) command = { method, roomId, itemId };
      break;
    }
    case 'stillHere':
      command = { method };
      break;
  }
  const known = new Set(['requestId', ...expectedFields[method]]);
  for (const name of Object.keys(fields))
    if (!known.has(name)) problems.push(`${method}.${name} is not an argument of ${method}`);
  if (problems.length > 0 || !command) throw new RoomError('invalid_argument', problems.join('; '));
  return { command, ...(requestId ? { requestId } : {}) };
}

const expectedFields: Record<RoomMethod, readonly string[]> = {
  createRoom: ['name'],
  joinRoom: ['inviteCode'],
  leaveRoom: ['roomId'],
  addItem: ['roomId', 'title', 'artist', 'durationSeconds', 'catalogId'],
  vote: ['roomId', 'itemId', 'value'],
  removeItem: ['roomId', 'itemId'],
  setNowPlaying: ['roomId', 'itemId'],
  stillHere: [],
};

/** What applying a command did: the new document, the change to announce, and the caller's result. */
export interface Applied {
  readonly room: RoomDocument;
  /** Absent when nothing changed (joining a room one is already in). */
  readonly change?: RoomChange;
  readonly result: unknown;
}

/**
 * Applies a command to a room on behalf of `userId`, pure: the caller stores `room` on the
 * condition that the version it read is still current. `newItemId` names an added item.
 */
export function applyRoomCommand(
  room: RoomDocument,
  command: Exclude<RoomCommand, { method: 'createRoom' | 'stillHere' }>,
  actor: { readonly userId: string; readonly name: string },
  at: Date,
  newItemId: () => string,
): Applied {
  const { userId } = actor;
  const now = at.toISOString();
  // Every result names the version the change made, so a client knows which update is its own.
  const next = (
    changes: Partial<RoomDocument>,
    change: RoomChange,
    result: Record<string, unknown>,
  ): Applied => ({
    room: { ...room, ...changes, version: room.version + 1 },
    change,
    result: { ...result, version: room.version + 1 },
  });
  if (command.method === 'joinRoom') {
    if (isMember(room, userId))
      return { room, result: { roomId: room._id, version: room.version } };
    if (room.members.length >= roomLimits.members)
      throw new RoomError(
        'room_full',
        `the room has ${roomLimits.members} members, the most it can`,
      );
    // The first to join a room its last member left owns it.
    const ownerId = room.members.length === 0 ? userId : room.ownerId;
    return next(
      {
        members: [
          ...room.members,
          { userId, name: actor.name, slot: room.nextSlot, joinedAt: now },
        ],
        nextSlot: room.nextSlot + 1,
        ownerId,
      },
      { type: 'memberJoined', userId, name: actor.name, joinedAt: now, ownerId },
      { roomId: room._id },
    );
  }
  const member = room.members.find((m) => m.userId === userId);
  if (!member) throw new RoomError('not_member', `join room ${room._id} before acting in it`);
  const item = 'itemId' in command ? findItem(room, command.itemId) : undefined;
  switch (command.method) {
    case 'leaveRoom': {
      // A member who leaves takes their votes back; the items whose score changed go with the change.
      const items = room.items.map((stored) => withoutVote(stored, member.slot));
      const touched = items.filter((stored, index) => stored !== room.items[index]);
      const members = room.members.filter((m) => m !== member);
      // An owner who leaves hands the room to the member who has been in it longest; the last one
      // to leave leaves it without an owner, until someone joins.
      const ownerId = room.ownerId === userId ? (members[0]?.userId ?? '') : room.ownerId;
      const left = { ...room, members, items, ownerId };
      return next(
        { members, items, ownerId },
        {
          type: 'memberLeft',
          userId,
          ownerId,
          items: touched.map((stored) => toRoomItem(left, stored)),
        },
        { roomId: room._id },
      );
    }
    case 'addItem': {
      if (room.items.length >= roomLimits.items)
        throw new RoomError(
          'queue_full',
          `the queue has ${roomLimits.items} items, the most it can`,
        );
      const { method: _, roomId: __, ...fields } = command;
      const added: StoredItem = {
        ...fields,
        itemId: newItemId(),
        addedBy: userId,
        addedAt: now,
        up: [],
        down: [],
      };
      return next(
        { items: [...room.items, added] },
        { type: 'itemAdded', item: toRoomItem(room, added) },
        { itemId: added.itemId },
      );
    }
    case 'vote': {
      const found = item as StoredItem;
      const cleared = withoutVote(found, member.slot);
      const voted: StoredItem =
        command.value === 1
          ? { ...cleared, up: [...cleared.up, member.slot] }
          : { ...cleared, down: [...cleared.down, member.slot] };
      return next(
        { items: room.items.map((stored) => (stored === found ? voted : stored)) },
        { type: 'itemVoted', item: toRoomItem(room, voted) },
        { itemId: found.itemId },
      );
    }
    case 'removeItem': {
      const found = item as StoredItem;
      if (found.addedBy !== userId && room.ownerId !== userId)
        throw new RoomError(
          'forbidden',
          'only the member who added an item, or the owner, may remove it',
        );
      return next(
        {
          items: room.items.filter((stored) => stored !== found),
          nowPlaying: room.nowPlaying === found.itemId ? null : room.nowPlaying,
        },
        { type: 'itemRemoved', itemId: found.itemId },
        { itemId: found.itemId },
      );
    }
    case 'setNowPlaying': {
      if (room.ownerId !== userId)
        throw new RoomError('forbidden', 'only the room owner may set what is playing');
      const found = item as StoredItem;
      return next(
        { nowPlaying: found.itemId },
        { type: 'nowPlaying', itemId: found.itemId },
        { itemId: found.itemId },
      );
    }
  }
}

function findItem(room: RoomDocument, itemId: string): StoredItem {
  const item = room.items.find((stored) => stored.itemId === itemId);
  if (!item) throw new RoomError('not_found', `room ${room._id} has no item ${itemId}`);
  return item;
}

function withoutVote(item: StoredItem, slot: number): StoredItem {
  if (!item.up.includes(slot) && !item.down.includes(slot)) return item;
  return {
    ...item,
    up: item.up.filter((s) => s !== slot),
    down: item.down.filter((s) => s !== slot),
  };
}
