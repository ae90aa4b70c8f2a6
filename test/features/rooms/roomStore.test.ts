import { describe, expect, it } from 'vitest';
import { applyRoomCommand } from '../../../functions/src/rooms/roomCommands';
import { roomIndexes } from '../../../functions/src/rooms/roomIndexes';
import type { RoomDocument } from '../../../functions/src/rooms/roomModel';
import { RoomStore } from '../../../functions/src/rooms/roomStore';
import { createMongoDatabase } from '../../../functions/src/storage/mongoDatabase';
import { useMongo } from '../../support/mongoFixture';

const mongoUri = useMongo();

const emptyRoom = (members: number): RoomDocument => ({
  _id: 'r1',
  name: 'race',
  ownerId: 'u0',
  inviteCode: 'ABCDEFGH',
  version: 1,
  createdAt: new Date(0).toISOString(),
  members: Array.from({ length: members }, (_, slot) => ({
    userId: `u${slot}`,
    name: `u${slot}`,
    slot,
    joinedAt: new Date(0).toISOString(),
  })),
  nextSlot: members,
  items: [],
  nowPlaying: null,
  applied: [],
});

describe('the room store across instances', () => {
  it('loses no update and applies none twice when instances race on one room', async () => {
    const uri = mongoUri();
    // Two instances: each its own connection, cache and turn-taking, as two workers would have.
    const databases = [0, 1].map(() => createMongoDatabase(uri, roomIndexes));
    let conflicts = 0;
    const stores = databases.map(
      (database) => new RoomStore(database, { onConflict: () => conflicts++ }),
    );
    try {
      await stores[0]?.create(emptyRoom(10));
      let next = 0;
      const adds = Array.from({ length: 200 }, (_, n) =>
        (stores[n % 2] as RoomStore).update(
          'r1',
          (room) =>
            applyRoomCommand(
              room,
              { method: 'addItem', roomId: 'r1', title: `t${n}`, artist: 'a', durationSeconds: 1 },
              { userId: `u${n % 10}`, name: '' },
              new Date(),
              () => `i${next++}`,
            ),
          // Every tenth request is sent twice, as a retried call would be.
          `u${n % 10}:req${n}`,
        ),
      );
      const firsts = await Promise.all(adds);
      // Retried requests, on either instance, answer with the first result and change nothing.
      const retried = await Promise.all(
        Array.from({ length: 20 }, (_, k) =>
          (stores[k % 2] as RoomStore).update(
            'r1',
            () => {
              throw new Error('a retried request must not be recomputed');
            },
            `u${(k * 10) % 10}:req${k * 10}`,
          ),
        ),
      );
      expect(retried.map((r) => [r.replayed, r.result])).toEqual(
        Array.from({ length: 20 }, (_, k) => [true, firsts[k * 10]?.result]),
      );
      const room = (await stores[0]?.get('r1')) as RoomDocument;
      const titles = room.items.map((item) => item.title).sort();
      expect(titles).toEqual(Array.from({ length: 200 }, (_, n) => `t${n}`).sort());
      expect(room.version).toBe(201);
      expect(conflicts).toBeGreaterThan(0);
    } finally {
      await Promise.all(databases.map((database) => database.close()));
    }
  });
});
