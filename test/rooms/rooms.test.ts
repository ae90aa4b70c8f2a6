import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { joinRoomsHub, type RoomMember } from '../../harness/roomMember';
import { userToken } from '../../local/identity/tokens';
import { type LocalStack, startLocalStack } from '../../local/localStack';

let stack: LocalStack;
const members: RoomMember[] = [];
let tokens: Record<'alice' | 'bob' | 'carol', string>;

beforeAll(async () => {
  stack = await startLocalStack({ log: () => undefined });
  const { identity } = stack.endpoints;
  const [alice, bob, carol] = await Promise.all(
    ['alice', 'bob', 'carol'].map((name) => userToken(identity, name)),
  );
  tokens = { alice: alice as string, bob: bob as string, carol: carol as string };
});
afterAll(async () => {
  await Promise.all(members.map((m) => m.stop().catch(() => undefined)));
  await stack?.stop();
});

async function member(name: keyof typeof tokens, options?: Parameters<typeof joinRoomsHub>[2]) {
  const joined = await joinRoomsHub(stack.endpoints.apiBaseUrl, tokens[name], options);
  members.push(joined);
  return joined;
}

const subjectOf = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString('utf8'))
    .sub as string;

describe('rooms through the official SignalR client', () => {
  it('creates, joins, adds, votes, removes and plays, and both members see the same room', async () => {
    const alice = await member('alice');
    const bob = await member('bob');
    const created = await alice.invoke<{ roomId: string; inviteCode: string }>('createRoom', {
      name: 'Friday mix',
    });
    expect(created.inviteCode).toMatch(/^[A-Z2-9]{8}$/);
    const { roomId } = created;
    await alice.waitFor(roomId, (s) => s.name === 'Friday mix');
    expect(await bob.invoke('joinRoom', { inviteCode: created.inviteCode })).toEqual({ roomId });
    await bob.waitFor(roomId, (s) => s.members.length === 2);
    await alice.waitFor(roomId, (s) => s.members.length === 2);

    const { itemId: first } = await alice.invoke<{ itemId: string }>('addItem', {
      roomId,
      title: 'Song A',
      artist: 'Artist',
      durationSeconds: 200,
    });
    const { itemId: second } = await bob.invoke<{ itemId: string }>('addItem', {
      roomId,
      title: 'Song B',
      artist: 'Artist',
      durationSeconds: 180,
    });
    await bob.invoke('vote', { roomId, itemId: second, value: 1 });
    await alice.invoke('vote', { roomId, itemId: second, value: 1 });
    await alice.invoke('vote', { roomId, itemId: first, value: 1 });
    // Voting again replaces the earlier vote.
    await alice.invoke('vote', { roomId, itemId: first, value: -1 });
    await alice.invoke('setNowPlaying', { roomId, itemId: second });
    const expected = (s: {
      items: readonly { itemId: string; score: number }[];
      nowPlaying: string | null;
    }) =>
      s.nowPlaying === second &&
      s.items.map((i) => `${i.itemId}:${i.score}`).join() === `${second}:2,${first}:-1`;
    const seenByBob = await bob.waitFor(roomId, expected);
    const seenByAlice = await alice.waitFor(roomId, expected);
    expect(seenByAlice.version).toBe(seenByBob.version);
    expect(seenByBob.items[0]?.votes).toEqual({
      [subjectOf(tokens.alice)]: 1,
      [subjectOf(tokens.bob)]: 1,
    });
    expect(seenByBob.members.map((m) => m.name).sort()).toEqual([
      'alice@fieldline.local',
      'bob@fieldline.local',
    ]);
    await bob.invoke('removeItem', { roomId, itemId: second });
    await alice.waitFor(roomId, (s) => s.items.length === 1 && s.nowPlaying === null);
    // The API agrees with the copies.
    const read = await fetch(`${stack.endpoints.apiBaseUrl}/rooms/${roomId}`, {
      headers: { authorization: `Bearer ${tokens.bob}` },
    });
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ roomId, items: [{ itemId: first, score: -1 }] });
  });
});
