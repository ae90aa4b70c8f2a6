import { startLocalCloud } from '../dev/localCloud';
import { localUsers } from '../dev/localIdentity';
import { roomUserId } from '../functions/src/hosting';
import { seededRandom } from '../harness/random';
import { joinRoomsHub, type RoomMember } from '../simulator/roomMember';
import { tokenClaims, userToken } from '../tools/tokens';
import { type Benchmark, type BenchmarkFigures, percentile } from './benchmark';

interface Accepted {
  readonly roomId: string;
  readonly version: number;
  readonly sentAt: number;
  readonly userId: string;
  readonly kind: 'add' | 'vote';
  readonly itemId: string;
  readonly value?: 1 | -1;
}

/** Runs `work` over `items`, at most `limit` at a time. */
async function inBatches<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>) {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += limit)
    results.push(...(await Promise.all(items.slice(i, i + limit).map(work))));
  return results;
}

/**
 * Rooms through the whole local cloud: people connected with the official SignalR client, their
 * invocations through the stand-in's upstream to the SignalR triggers on two instances (so that
 * instances race on rooms as they would in Azure), MongoDB, and the REST sends back to each room's
 * group. Each member adds or votes twice a second. Measured: action to every member's receipt, and
 * the final rooms against the log of accepted actions.
 */
export const roomsBenchmark: Benchmark = {
  name: 'rooms',
  description:
    '50 rooms x 10 members, 2 actions per member per second for 30 s, then a quarter of that for 15 s, two instances (quick: 10 rooms, 5 s, full load only)',
  async run({ quick, rttMs, log }): Promise<BenchmarkFigures> {
    const rooms = quick ? 10 : 50;
    const perRoom = 10;
    const seconds = quick ? 5 : 30;
    const actionsPerSecond = 2;
    const people = Array.from({ length: rooms * perRoom }, (_, i) => ({
      username: `member${i}`,
      name: `Member ${i}`,
      roles: [],
    }));
    let conflictRetries = 0;
    const stack = await startLocalCloud({
      log: () => undefined,
      users: [...localUsers, ...people],
      upstreamInstances: 2,
      onRoomConflict: () => conflictRetries++,
      ...(rttMs === undefined ? {} : { rttMs }),
    });
    const members: RoomMember[] = [];
    try {
      const { apiBaseUrl, identity } = stack.endpoints;
      const tokens = await inBatches(people, 20, (p) => userToken(identity, p.username));
      // Member ids as rooms know them.
      const subjects = tokens.map((token) => {
        const { iss, sub } = tokenClaims(token);
        return roomUserId({ issuer: iss, subject: sub, roles: new Set() });
      });
      members.push(...(await inBatches(tokens, 20, (token) => joinRoomsHub(apiBaseUrl, token))));
      const roomIds = await createRooms(members, rooms, perRoom);
      const roomOf = (index: number) => roomIds[Math.floor(index / perRoom)] as string;
      // When each member received each room version.
      const receipts = new Map<string, Map<number, number>>();
      members.forEach((member, index) => {
        member.onUpdate = (update, at) => {
          const key = `${update.roomId}/${index}`;
          const seen = receipts.get(key) ?? new Map<number, number>();
          if (!seen.has(update.version)) seen.set(update.version, at);
          receipts.set(key, seen);
        };
      });
      await Promise.all(
        roomIds.map((roomId, r) =>
          (members[r * perRoom] as RoomMember).waitFor(roomId, (s) => s.members.length === perRoom),
        ),
      );
      log(`${members.length} members connected in ${rooms} rooms; acting for ${seconds} s`);

      const accepted: Accepted[] = [];
      let refused = 0;
      const random = seededRandom(17);
      const itemsByRoom = new Map<string, string[]>(roomIds.map((id) => [id, []]));

      /**
       * Every member acts `perSecond` times a second for `forSeconds`, each action at its scheduled
       * time or, when the member's previous one has not finished, as soon as it has. Latency counts
       * from the scheduled time, so a system that falls behind shows it (no coordinated omission).
       */
      const phase = async (perSecond: number, forSeconds: number) => {
        const first = accepted.length;
        const started = performance.now();
        const end = started + forSeconds * 1000;
        await Promise.all(
          members.map(async (member, index) => {
            const roomId = roomOf(index);
            const userId = subjects[index] as string;
            // Spread the members' clocks so that their actions do not arrive in lockstep.
            let due = started + random() * (1000 / perSecond);
            while (due < end) {
              const wait = due - performance.now();
              if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
              const sentAt = due;
              due += 1000 / perSecond;
              const items = itemsByRoom.get(roomId) as string[];
              try {
                const action = await act(member, { roomId, userId, index, sentAt }, items, random);
                accepted.push(action);
              } catch {
                refused++;
              }
            }
          }),
        );
        const elapsed = (performance.now() - started) / 1000;
        // Let the last sends arrive (a copy that misses one reads the room again).
        await new Promise((resolve) => setTimeout(resolve, 2000));
        return { actions: accepted.slice(first), elapsed };
      };

      let missedDeliveries = 0;
      const latencies = (actions: readonly Accepted[]) => {
        const { found, missed } = deliveryLatencies(actions, roomIds, receipts, perRoom);
        missedDeliveries += missed;
        return found;
      };

      const full = await phase(actionsPerSecond, seconds);
      const fullLatencies = latencies(full.actions);
      log(
        `${full.actions.length} actions at the full load in ${full.elapsed.toFixed(1)} s: p50 ${percentile(fullLatencies, 50).toFixed(0)} ms, p99 ${percentile(fullLatencies, 99).toFixed(0)} ms`,
      );
      // A quarter of the load, on the same rooms: what members feel when the local cloud keeps up.
      const light = quick ? undefined : await phase(actionsPerSecond / 4, 15);
      const lightLatencies = light ? latencies(light.actions) : [];
      if (light)
        log(
          `${light.actions.length} actions at a quarter of the load: p50 ${percentile(lightLatencies, 50).toFixed(0)} ms, p99 ${percentile(lightLatencies, 99).toFixed(0)} ms`,
        );

      const owners = roomIds.map((_, r) => tokens[r * perRoom] as string);
      const { lostUpdates, appliedTwice } = await auditRooms(
        apiBaseUrl,
        roomIds,
        owners,
        accepted,
        perRoom,
      );
      const resyncs = members.reduce(
        (sum, m) => sum + [...m.rooms.values()].reduce((s, copy) => s + copy.resyncs, 0),
        0,
      );
      log(
        `${lostUpdates} lost, ${appliedTwice} applied twice; ${conflictRetries} conflict retries; ${resyncs} resyncs; ${refused} refused`,
      );
      return {
        rooms,
        members: members.length,
        seconds,
        targetActionsPerSecond: rooms * perRoom * actionsPerSecond,
        actionsPerSecond: Number((full.actions.length / full.elapsed).toFixed(1)),
        p50Ms: Number(percentile(fullLatencies, 50).toFixed(1)),
        p99Ms: Number(percentile(fullLatencies, 99).toFixed(1)),
        ...(light ? quarterLoadFigures(light, lightLatencies) : {}),
        actionsAccepted: accepted.length,
        actionsRefused: refused,
        lostUpdates,
        appliedTwice,
        conflictRetries,
        missedDeliveries,
        resyncs,
      };
    } finally {
      await Promise.all(members.map((m) => m.stop().catch(() => undefined)));
      await stack.stop();
    }
  },
};

/** Each room made by its first member, the others joining with its invite code. */
async function createRooms(members: readonly RoomMember[], rooms: number, perRoom: number) {
  const roomIds: string[] = [];
  for (let r = 0; r < rooms; r++) {
    const owner = members[r * perRoom] as RoomMember;
    const { roomId, inviteCode } = await owner.invoke<{ roomId: string; inviteCode: string }>(
      'createRoom',
      { name: `room ${r}` },
    );
    roomIds.push(roomId);
    await Promise.all(
      members
        .slice(r * perRoom + 1, (r + 1) * perRoom)
        .map((m) => m.invoke('joinRoom', { inviteCode })),
    );
  }
  return roomIds;
}

/** The rooms as stored, against the accepted log: every add there, every member's last vote counted. */
async function auditRooms(
  apiBaseUrl: string,
  roomIds: readonly string[],
  owners: readonly string[],
  accepted: readonly Accepted[],
  perRoom: number,
): Promise<{ lostUpdates: number; appliedTwice: number }> {
  let lostUpdates = 0;
  let appliedTwice = 0;
  for (const [r, roomId] of roomIds.entries()) {
    const response = await fetch(`${apiBaseUrl}/rooms/${roomId}`, {
      headers: { authorization: `Bearer ${owners[r]}` },
    });
    const state = (await response.json()) as {
      version: number;
      items: { itemId: string; votes: Record<string, number> }[];
    };
    const log = accepted.filter((a) => a.roomId === roomId);
    const expectedVersion = 1 + (perRoom - 1) + log.length;
    lostUpdates += Math.max(0, expectedVersion - state.version);
    appliedTwice += Math.max(0, state.version - expectedVersion);
    const stored = new Map(state.items.map((item) => [item.itemId, item]));
    const lastVotes = new Map<string, Accepted>();
    for (const action of log) {
      if (action.kind === 'add' && !stored.has(action.itemId)) lostUpdates++;
      if (action.kind !== 'vote') continue;
      const key = `${action.itemId}/${action.userId}`;
      const before = lastVotes.get(key);
      if (!before || before.version < action.version) lastVotes.set(key, action);
    }
    for (const [key, vote] of lastVotes) {
      const [itemId, userId] = key.split('/') as [string, string];
      if (stored.get(itemId)?.votes[userId] !== vote.value) lostUpdates++;
    }
  }
  return { lostUpdates, appliedTwice };
}

/** One member's action: an item added (always when the room has none), or a vote on one. */
async function act(
  member: RoomMember,
  at: { roomId: string; userId: string; index: number; sentAt: number },
  items: string[],
  random: () => number,
): Promise<Accepted> {
  const { roomId, userId, index, sentAt } = at;
  if (items.length === 0 || random() < 0.3) {
    const { itemId, version } = await member.invoke<{
      itemId: string;
      version: number;
    }>('addItem', {
      roomId,
      title: `t${index}-${Math.round(sentAt)}`,
      artist: 'a',
      durationSeconds: 180,
    });
    items.push(itemId);
    return { roomId, version, sentAt, userId, kind: 'add', itemId };
  } else {
    const itemId = items[Math.floor(random() * items.length)] as string;
    const value = random() < 0.7 ? 1 : -1;
    const { version } = await member.invoke<{ version: number }>('vote', {
      roomId,
      itemId,
      value,
    });
    return { roomId, version, sentAt, userId, kind: 'vote', itemId, value };
  }
}

/** From each action's scheduled time to the last of its room's members receiving it; and receipts missed. */
function deliveryLatencies(
  actions: readonly Accepted[],
  roomIds: readonly string[],
  receipts: ReadonlyMap<string, ReadonlyMap<number, number>>,
  perRoom: number,
): { found: number[]; missed: number } {
  const found: number[] = [];
  let missed = 0;
  for (const action of actions) {
    const r = roomIds.indexOf(action.roomId);
    let last = 0;
    for (let m = r * perRoom; m < (r + 1) * perRoom; m++) {
      const at = receipts.get(`${action.roomId}/${m}`)?.get(action.version);
      if (at === undefined) missed++;
      else last = Math.max(last, at);
    }
    if (last > 0) found.push(last - action.sentAt);
  }
  return { found, missed };
}

function quarterLoadFigures(
  light: { actions: readonly Accepted[]; elapsed: number },
  latencies: number[],
) {
  return {
    quarterLoadActionsPerSecond: Number((light.actions.length / light.elapsed).toFixed(1)),
    quarterLoadP50Ms: Number(percentile(latencies, 50).toFixed(1)),
    quarterLoadP99Ms: Number(percentile(latencies, 99).toFixed(1)),
  };
}
