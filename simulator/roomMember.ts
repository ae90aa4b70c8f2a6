import { type HubConnection, HubConnectionBuilder, LogLevel } from '@microsoft/signalr';
import {
  RoomReplica,
  type RoomSnapshot,
  type RoomUpdate,
} from '../dashboard/src/rooms/roomReplica';

export interface RoomError {
  readonly code: string;
  readonly message: string;
  readonly method: string;
}

/** Someone in rooms through the official SignalR client, as the rooms page is. */
export interface RoomMember {
  readonly connection: HubConnection;
  /** Each room's copy, kept from `roomState`, `roomUpdated` and `presence`. */
  readonly rooms: Map<string, RoomReplica>;
  /** `roomError` messages this connection received. */
  readonly errors: RoomError[];
  /** Called with each `roomUpdated` as it arrives, before the replica applies it. */
  onUpdate?: (update: RoomUpdate, receivedAt: number) => void;
  invoke<T = unknown>(method: string, args: Record<string, unknown>): Promise<T>;
  /** Resolves when `done` holds for the room's copy (or rejects after `timeoutMs`). */
  waitFor(
    roomId: string,
    done: (state: RoomSnapshot) => boolean,
    timeoutMs?: number,
  ): Promise<RoomSnapshot>;
  stop(): Promise<void>;
}

/**
 * Negotiates at `<apiBaseUrl>/rooms/negotiate` with the person's token and connects. `dropUpdate`
 * lets a test lose chosen `roomUpdated` messages, to see the copy read the room again.
 */
export async function joinRoomsHub(
  apiBaseUrl: string,
  token: string,
  options: {
    readonly dropUpdate?: (update: RoomUpdate) => boolean;
    readonly gapWaitMs?: number;
  } = {},
): Promise<RoomMember> {
  const connection = new HubConnectionBuilder()
    .withUrl(`${apiBaseUrl}/rooms`, { accessTokenFactory: () => token })
    .configureLogging(LogLevel.None)
    .build();
  const rooms = new Map<string, RoomReplica>();
  const errors: RoomError[] = [];
  const replica = (roomId: string) => {
    let found = rooms.get(roomId);
    if (!found) {
      found = new RoomReplica({
        resync: async () => {
          const response = await fetch(`${apiBaseUrl}/rooms/${encodeURIComponent(roomId)}`, {
            headers: { authorization: `Bearer ${token}` },
          });
          if (!response.ok) throw new Error(`reading room ${roomId} answered ${response.status}`);
          return (await response.json()) as RoomSnapshot;
        },
        ...(options.gapWaitMs === undefined ? {} : { gapWaitMs: options.gapWaitMs }),
      });
      rooms.set(roomId, found);
    }
    return found;
  };
  const member: RoomMember = {
    connection,
    rooms,
    errors,
    invoke: (method, args) => connection.invoke(method, args),
    async waitFor(roomId, done, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const state = rooms.get(roomId)?.state;
        if (state && done(state)) return state;
        if (Date.now() > deadline)
          throw new Error(
            `room ${roomId} did not reach the expected state: ${JSON.stringify(state)}`,
          );
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async stop() {
      for (const room of rooms.values()) room.close();
      await connection.stop();
    },
  };
  connection.on('roomState', (state: RoomSnapshot) => replica(state.roomId).reset(state));
  connection.on('roomUpdated', (update: RoomUpdate) => {
    member.onUpdate?.(update, performance.now());
    if (!options.dropUpdate?.(update)) replica(update.roomId).apply(update);
  });
  // On (re)connection: each of the person's rooms and its version; a copy that lacks it reads it.
  connection.on('roomVersions', (versions: { roomId: string; version: number }[]) => {
    for (const { roomId, version } of versions) void replica(roomId).catchUp(version);
  });
  connection.on('presence', (presence: { roomId: string; online: string[] }) =>
    replica(presence.roomId).presence(presence.online),
  );
  connection.on('roomError', (error: RoomError) => errors.push(error));
  await connection.start();
  return member;
}
