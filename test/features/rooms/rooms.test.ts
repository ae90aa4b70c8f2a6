import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type LocalCloud, startLocalCloud } from '../../../dev/localCloud';
import { joinRoomsHub, type RoomMember } from '../../../simulator/roomMember';
import { tokenClaims, userToken } from '../../../tools/tokens';

let stack: LocalCloud;
const members: RoomMember[] = [];
let tokens: Record<'alice' | 'bob' | 'carol', string>;

beforeAll(async () => {
  stack = await startLocalCloud({ log: () => undefined });
  const { identity } = stack.endpoints;
  const [alice, bob, carol] = await Promise.all(
    ['alice', 'bob', 'carol'].map((name) => userToken(identity, name)),
  );
  tokens = { alice: alice as string, bob: bob as string, carol: carol as string };
});
// Each test's people leave when it ends, so that presence in one test is not another's.
afterEach(async () => {
  await Promise.all(members.splice(0).map((m) => m.stop().catch(() => undefined)));
});
afterAll(async () => {
  await stack?.stop();
});

async function member(name: keyof typeof tokens, options?: Parameters<typeof joinRoomsHub>[2]) {
  const joined = await joinRoomsHub(stack.endpoints.apiBaseUrl, tokens[name], options);
  members.push(joined);
  return joined;
}

/**
 * A member's id as rooms know them: SHA-256 of `issuer#sub`, base64url, 22 characters (computed
 * here from the token, not with the app's code).
 */
const subjectOf = (token: string) => {
  const claims = tokenClaims(token);
  return createHash('sha256')
    .update(`${claims.iss}#${claims.sub}`)
    .digest('base64url')
    .slice(0, 22);
};

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
    expect(await bob.invoke('joinRoom', { inviteCode: created.inviteCode })).toEqual({
      roomId,
      version: 2,
    });
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

async function roomWith(owner: RoomMember, ...others: RoomMember[]) {
  const { roomId, inviteCode } = await owner.invoke<{ roomId: string; inviteCode: string }>(
    'createRoom',
    { name: 'test room' },
  );
  for (const other of others) await other.invoke('joinRoom', { inviteCode });
  await owner.waitFor(roomId, (s) => s.members.length === others.length + 1);
  return { roomId, inviteCode };
}

describe('refusals', () => {
  it('refuses non-members, other people’s items, the owner’s powers and bad arguments, naming them', async () => {
    const [alice, bob, carol] = [await member('alice'), await member('bob'), await member('carol')];
    const { roomId } = await roomWith(alice, bob);
    const { itemId } = await alice.invoke<{ itemId: string }>('addItem', {
      roomId,
      title: 'Mine',
      artist: 'Alice',
      durationSeconds: 60,
    });
    await expect(
      carol.invoke('addItem', { roomId, title: 'x', artist: 'y', durationSeconds: 1 }),
    ).rejects.toThrow(/^not_member: /);
    await expect(carol.invoke('vote', { roomId, itemId, value: 1 })).rejects.toThrow(/not_member/);
    await expect(bob.invoke('removeItem', { roomId, itemId })).rejects.toThrow(/^forbidden: /);
    await expect(bob.invoke('setNowPlaying', { roomId, itemId })).rejects.toThrow(/forbidden/);
    await expect(bob.invoke('vote', { roomId, itemId, value: 2 })).rejects.toThrow(
      /invalid_argument: vote.value must be 1 or -1/,
    );
    await expect(
      bob.invoke('addItem', { roomId, title: '', artist: 'y', durationSeconds: -1, mood: 'happy' }),
    ).rejects.toThrow(
      /addItem.title must be text.*addItem.durationSeconds must be a whole number.*addItem.mood is not an argument/,
    );
    await expect(bob.invoke('joinRoom', { inviteCode: 'nope' })).rejects.toThrow(
      /joinRoom.inviteCode/,
    );
    await expect(bob.invoke('vote', { roomId, itemId: 'missing', value: 1 })).rejects.toThrow(
      /^not_found: /,
    );
    // Errors also reach the caller, and only the caller, as roomError.
    expect(carol.errors.map((e) => e.code)).toEqual(['not_member', 'not_member']);
    expect(bob.errors.map((e) => e.code)).toEqual([
      'forbidden',
      'forbidden',
      'invalid_argument',
      'invalid_argument',
      'invalid_argument',
      'not_found',
    ]);
    expect(alice.errors).toEqual([]);
    // Reads are members-only too, and nobody learns whether the room exists.
    const read = (token: string) =>
      fetch(`${stack.endpoints.apiBaseUrl}/rooms/${roomId}`, {
        headers: { authorization: `Bearer ${token}` },
      });
    expect((await read(tokens.carol)).status).toBe(404);
    expect((await fetch(`${stack.endpoints.apiBaseUrl}/rooms/${roomId}`)).status).toBe(401);
    expect((await read(tokens.bob)).status).toBe(200);
  });

  it('holds at most 500 items in a room', async () => {
    const alice = await member('alice');
    const { roomId } = await roomWith(alice);
    const add = (n: number) =>
      alice.invoke('addItem', { roomId, title: `Song ${n}`, artist: 'A', durationSeconds: 100 });
    for (let n = 0; n < 500; n += 50)
      await Promise.all(Array.from({ length: 50 }, (_, i) => add(n + i)));
    await expect(add(500)).rejects.toThrow(/^queue_full: /);
    expect((await alice.waitFor(roomId, (s) => s.items.length === 500)).version).toBe(501);
  });
});

describe('bounds one member cannot break (regression: a 1.3 MB roomState darkened every hub)', () => {
  it('refuses control characters, and caps a room at 192 KiB of state', async () => {
    const alice = await member('alice');
    const { roomId } = await roomWith(alice);
    await expect(
      alice.invoke('addItem', { roomId, title: 'a\u0000b', artist: 'A', durationSeconds: 9 }),
    ).rejects.toThrow(
      /^invalid_argument: addItem\.title may not contain control or format characters/,
    );
    // 200-character titles of three-byte characters: the state outgrows 192 KiB before 500 items.
    const long = '\u20ac'.repeat(200);
    const add = (n: number) =>
      alice.invoke('addItem', {
        roomId,
        title: `${n} ${long}`.slice(0, 200),
        artist: long,
        durationSeconds: 9,
      });
    let added = 0;
    let refusal: unknown;
    while (!refusal && added < 500) {
      try {
        await add(added);
        added++;
      } catch (error) {
        refusal = error;
      }
    }
    expect(String(refusal)).toMatch(/room_too_large: the room would pass 192 KiB/);
    expect(added).toBeLessThan(500);
    const state = await alice.waitFor(roomId, (s) => s.items.length === added);
    expect(Buffer.byteLength(JSON.stringify(state))).toBeLessThanOrEqual(192 * 1024 + 2048);
  }, 60_000);

  it('lets one person be in at most 50 rooms', async () => {
    const carol = await member('carol');
    const mine = (await (
      await fetch(`${stack.endpoints.apiBaseUrl}/rooms`, {
        headers: { authorization: `Bearer ${tokens.carol}` },
      })
    ).json()) as { rooms: unknown[] };
    for (let n = mine.rooms.length; n < 50; n++)
      await carol.invoke('createRoom', { name: `r${n}` });
    await expect(carol.invoke('createRoom', { name: 'one too many' })).rejects.toThrow(
      /^too_many_rooms: you are in 50 rooms/,
    );
  }, 60_000);

  it('on reconnect sends each room’s version, and the client reads only what it lacks', async () => {
    const alice = await member('alice');
    const { roomId } = await roomWith(alice);
    const again = await member('alice');
    // The new connection had no copy: it read the room once, from its version.
    const state = await again.waitFor(roomId, (s) => s.roomId === roomId);
    expect(state.version).toBe(alice.rooms.get(roomId)?.state?.version);
    expect(again.rooms.get(roomId)?.resyncs).toBe(1);
  });
});

describe('presence', () => {
  it('keeps someone with two connections online until both close', async () => {
    const alice = await member('alice');
    const bob = await member('bob');
    const { roomId } = await roomWith(alice, bob);
    const aliceId = subjectOf(tokens.alice);
    const bobId = subjectOf(tokens.bob);
    await alice.waitFor(roomId, (s) => s.online.includes(bobId));
    const bobAgain = await member('bob');
    // The second connection gets the room's version as it connects, and reads the room.
    await bobAgain.waitFor(roomId, (s) => s.members.length === 2);
    await bob.stop();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(alice.rooms.get(roomId)?.state?.online).toContain(bobId);
    await bobAgain.stop();
    await alice.waitFor(roomId, (s) => !s.online.includes(bobId) && s.online.includes(aliceId));
  });
});

describe('versions', () => {
  it('reads the room again when an update is missing', async () => {
    const alice = await member('alice');
    let dropped = 0;
    const bob = await member('bob', {
      gapWaitMs: 100,
      dropUpdate: (update) => update.change.type === 'itemAdded' && dropped++ === 0,
    });
    const { roomId } = await roomWith(alice, bob);
    await bob.waitFor(roomId, (s) => s.members.length === 2);
    for (const title of ['one', 'two'])
      await alice.invoke('addItem', { roomId, title, artist: 'A', durationSeconds: 30 });
    const state = await bob.waitFor(roomId, (s) => s.items.length === 2);
    expect(dropped).toBe(2);
    expect(bob.rooms.get(roomId)?.resyncs).toBe(1);
    expect(state.version).toBe((await alice.waitFor(roomId, (s) => s.items.length === 2)).version);
  });
});

describe('the SignalR webhook', () => {
  it('refuses a call without the system key or with a bad signature', async () => {
    const url = `${stack.endpoints.apiBaseUrl.replace(/\/api$/, '')}/runtime/webhooks/signalr`;
    const headers = {
      'content-type': 'application/json',
      'x-asrs-connection-id': 'c1',
      'x-asrs-hub': 'rooms',
      'x-asrs-category': 'messages',
      'x-asrs-event': 'createRoom',
      'x-asrs-user-id': subjectOf(tokens.alice),
    };
    const body = JSON.stringify({
      type: 1,
      invocationId: '1',
      target: 'createRoom',
      arguments: [{ name: 'forged' }],
    });
    const noKey = await fetch(url, { method: 'POST', headers, body });
    expect(noKey.status).toBe(401);
    const forged = await fetch(`${url}?code=${stack.keys.systemKeys.signalr_extension}`, {
      method: 'POST',
      headers: { ...headers, 'x-asrs-signature': `sha256=${'0'.repeat(64)}` },
      body,
    });
    expect(forged.status).toBe(401);
    expect(await forged.json()).toMatchObject({ error: { code: 'bad_signature' } });
  });

  it('replaying createRoom after leaving gives nothing back; the next to join an empty room owns it (regression)', async () => {
    const alice = await member('alice');
    const requestId = 'replayed-create-1';
    const created = await alice.invoke<{ roomId: string; inviteCode: string }>('createRoom', {
      name: 'Left behind',
      requestId,
    });
    await alice.waitFor(created.roomId, (s) => s.name === 'Left behind');
    await alice.invoke('leaveRoom', { roomId: created.roomId });
    // The same request again: no invite code, no room messages.
    await expect(alice.invoke('createRoom', { name: 'Left behind', requestId })).rejects.toThrow(
      /^.*not_member: you left room/,
    );
    const bob = await member('bob');
    await bob.invoke('joinRoom', { inviteCode: created.inviteCode });
    const state = await bob.waitFor(created.roomId, (s) => s.members.length === 1);
    expect(state.ownerId).toBe(subjectOf(tokens.bob));
  });
});
