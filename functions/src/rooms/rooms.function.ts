import { AppError } from '../host/appError';
import { printable } from '../host/freeText';
import type { FunctionDefinition, SignalRFunctionDefinition } from '../host/functionDefinition';
import type { IssueClientAccess } from '../realtime/clientAccess';
import { roomsHub } from '../realtime/hubs';
import { settingNames } from '../settings/settingNames';
import { roomMethods } from './roomMethods';
import type { RoomService } from './roomService';
import { roomUserId } from './roomUserId';

export interface RoomsDeps {
  /**
   * Absent when MONGODB_URI is not set or wrong; the functions then refuse, naming the setting.
   * Loaded on first use, so that a cold start of the other functions does not read its code.
   */
  readonly rooms?: () => Promise<RoomService>;
  readonly clientAccess: IssueClientAccess;
  readonly problems?: readonly string[];
}

/**
 * Collaborative rooms (seed 002): signed-in people negotiate for the `rooms` hub over HTTP, then
 * invoke its methods, which SignalR Service's upstream delivers to the `signalRTrigger` functions
 * below through `/runtime/webhooks/signalr`. Changes go back to each room's group.
 */
export function createRoomsFunctions(deps: RoomsDeps): FunctionDefinition[] {
  const feature = (): Promise<RoomService> => {
    if (deps.rooms) return deps.rooms();
    throw new AppError(
      'unavailable',
      deps.problems?.length
        ? `rooms are misconfigured: ${deps.problems.join('; ')}`
        : `rooms need ${settingNames.mongodbUri}`,
    );
  };
  const trigger = (
    name: string,
    category: SignalRFunctionDefinition['category'],
    event: string,
    handler: SignalRFunctionDefinition['handler'],
  ): SignalRFunctionDefinition => ({
    kind: 'signalR',
    name,
    hubName: roomsHub,
    category,
    event,
    connectionStringSetting: settingNames.signalR,
    handler,
  });
  return [
    {
      kind: 'http',
      name: 'roomsNegotiate',
      route: 'rooms/negotiate',
      methods: ['POST'],
      access: { kind: 'signedIn' },
      handler: async (_request, _context, caller) => {
        const who = caller as NonNullable<typeof caller>;
        const rooms = await feature();
        // The connection's user id, which every invocation arrives with.
        const userId = roomUserId(who);
        // The issuer's name for them, without what no free-text field takes.
        await rooms.rememberName(
          userId,
          printable(who.name ?? who.subject).slice(0, 120) || userId,
        );
        return { jsonBody: await deps.clientAccess(roomsHub, userId) };
      },
    },
    {
      kind: 'http',
      name: 'listRooms',
      route: 'rooms',
      methods: ['GET'],
      access: { kind: 'signedIn' },
      handler: async (_request, _context, caller) => {
        // The caller's own id in rooms, so a page can tell its member entry from the others.
        const userId = roomUserId(caller as NonNullable<typeof caller>);
        return { jsonBody: { userId, rooms: await (await feature()).list(userId) } };
      },
    },
    {
      kind: 'http',
      name: 'getRoom',
      route: 'rooms/{roomId}',
      methods: ['GET'],
      access: { kind: 'signedIn' },
      handler: async (request, _context, caller) => ({
        jsonBody: await (await feature()).snapshot(
          request.params.roomId ?? '',
          roomUserId(caller as NonNullable<typeof caller>),
        ),
      }),
    },
    trigger('roomsConnected', 'connections', 'connected', async (invocation, context) =>
      (await feature()).connected(invocation, (line) => context.warn(line)),
    ),
    trigger('roomsDisconnected', 'connections', 'disconnected', async (invocation, context) =>
      (await feature()).disconnected(invocation, (line) => context.warn(line)),
    ),
    ...roomMethods.map((method) =>
      trigger(`rooms_${method}`, 'messages', method, async (invocation, context) =>
        (await feature()).invoke(method, invocation, (line) => context.warn(line)),
      ),
    ),
  ];
}
