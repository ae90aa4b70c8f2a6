import { MongoClient } from 'mongodb';
import { afterAll, describe, expect, it } from 'vitest';
import { presenceTtlSeconds, RoomPeople } from '../../../functions/src/rooms/roomPeople';
import { useMongo } from '../../support/mongoFixture';

const newDatabase = useMongo();
const clients: MongoClient[] = [];
afterAll(async () => {
  for (const client of clients) await client.close();
});

describe('presence in rooms', () => {
  it('ends when nothing renews a connection for its TTL (regression: a lost disconnect kept someone online for good)', async () => {
    const client = new MongoClient(newDatabase(), { retryWrites: false });
    clients.push(client);
    const people = new RoomPeople(async () => client.db());
    const t0 = new Date('2026-12-02T10:00:00Z');
    const later = (seconds: number) => new Date(t0.getTime() + seconds * 1000);
    await people.connected('c-alice', 'alice', t0);
    await people.connected('c-bob', 'bob', t0);
    expect(await people.online(['alice', 'bob'], later(60))).toEqual(['alice', 'bob']);
    // Bob's page says it is still here; Alice's instance died before her disconnect arrived.
    await people.renew('c-bob', 'bob', later(presenceTtlSeconds - 60));
    expect(await people.online(['alice', 'bob'], later(presenceTtlSeconds + 1))).toEqual(['bob']);
    // A disconnect still ends presence at once.
    await people.disconnected('c-bob');
    expect(await people.online(['bob'], later(presenceTtlSeconds + 2))).toEqual([]);
  });
});
