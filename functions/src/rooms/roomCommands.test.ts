import { describe, expect, it } from 'vitest';
import { applyRoomCommand, parseRoomInvocation, RoomError } from './roomCommands';
import { type RoomDocument, toRoomState } from './roomModel';

const at = new Date('2026-12-01T10:00:00Z');
const room = (members: number): RoomDocument => ({
  _id: 'r1',
  name: 'room',
  ownerId: 'u0',
  inviteCode: 'ABCDEFGH',
  version: 1,
  createdAt: at.toISOString(),
  members: Array.from({ length: members }, (_, slot) => ({
    userId: `u${slot}`,
    name: `U${slot}`,
    slot,
    joinedAt: at.toISOString(),
  })),
  nextSlot: members,
  items: [],
  nowPlaying: null,
  applied: [],
});
const actor = (userId: string) => ({ userId, name: userId });
const code = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return error instanceof RoomError ? error.code : String(error);
  }
  return 'accepted';
};

describe('room commands', () => {
  it('holds at most 100 members', () => {
    const full = room(100);
    const join = { method: 'joinRoom', inviteCode: 'ABCDEFGH' } as const;
    expect(code(() => applyRoomCommand(full, join, actor('new'), at, () => 'i'))).toBe('room_full');
    expect(code(() => applyRoomCommand(room(99), join, actor('new'), at, () => 'i'))).toBe(
      'accepted',
    );
    // Someone already in is not refused, and nothing changes.
    expect(applyRoomCommand(full, join, actor('u5'), at, () => 'i').change).toBeUndefined();
  });

  it('takes a leaving member’s votes back, and never gives their slot to someone else', () => {
    let current = room(3);
    const apply = (command: Parameters<typeof applyRoomCommand>[1], who: string) => {
      current = applyRoomCommand(current, command, actor(who), at, () => 'item').room;
    };
    apply({ method: 'addItem', roomId: 'r1', title: 't', artist: 'a', durationSeconds: 5 }, 'u0');
    apply({ method: 'vote', roomId: 'r1', itemId: 'item', value: 1 }, 'u1');
    apply({ method: 'vote', roomId: 'r1', itemId: 'item', value: -1 }, 'u2');
    apply({ method: 'vote', roomId: 'r1', itemId: 'item', value: 1 }, 'u2');
    expect(toRoomState(current).items[0]).toMatchObject({ score: 2, votes: { u1: 1, u2: 1 } });
    apply({ method: 'leaveRoom', roomId: 'r1' }, 'u1');
    apply({ method: 'joinRoom', inviteCode: 'ABCDEFGH' }, 'u9');
    expect(toRoomState(current).items[0]).toMatchObject({ score: 1, votes: { u2: 1 } });
    expect(current.version).toBe(7);
    // The owner leaving hands the room to the longest-standing member.
    apply({ method: 'leaveRoom', roomId: 'r1' }, 'u0');
    expect(current.ownerId).toBe('u2');
  });

  it('names every bad argument', () => {
    expect(() =>
      parseRoomInvocation('addItem', [{ roomId: 'no spaces', title: 'x'.repeat(201), artist: 1 }]),
    ).toThrow(
      'addItem.roomId must be an id of 1-64 letters, digits, _ and -; addItem.title must be text of 1-200 characters; addItem.artist must be text of 1-200 characters; addItem.durationSeconds must be a whole number from 1 to 21600',
    );
    expect(() => parseRoomInvocation('createRoom', ['name'])).toThrow(
      'createRoom takes one argument, an object',
    );
  });
});
