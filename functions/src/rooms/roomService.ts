import type { Track } from '../catalog/track';
import { AppError } from '../host/appError';
import type { SignalRInvocation } from '../host/functionDefinition';
import { roomsHub } from '../realtime/hubs';
import type { RealtimeDelivery } from '../realtime/realtimeDelivery';
import type { SignalRMessage } from '../realtime/signalRMessage';
import { RoomError } from './roomCommands';
import { groupOf, type RoomContext, runRoomInvocation } from './roomInvocation';
import type { RoomMethod } from './roomMethods';
import { isMember, type RoomDocument, type RoomState, toRoomState } from './roomModel';
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
  const context: RoomContext = {
    rooms,
    people,
    realtime,
    ...(deps.catalog ? { catalog: deps.catalog } : {}),
    now,
    send,
    sendState,
    announcePresence,
  };

  return {
    async invoke(method, invocation, log) {
      const userId = invocation.userId;
      try {
        if (!userId)
          throw new RoomError('forbidden', 'connect with a token from POST /api/rooms/negotiate');
        return await runRoomInvocation(context, method, invocation, userId, log);
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
