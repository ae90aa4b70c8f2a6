import type { RoomSummary } from '../../../functions/src/rooms/contract';
import { presenceRenewSeconds } from '../../../functions/src/rooms/contract';
import { connectLive } from '../liveConnection';
import { openSignedInPage, startPage } from '../signedInPage';
import { showConnection } from '../view/connectionBadge';
import { RoomReplica, type RoomSnapshot, type RoomUpdate } from './roomReplica';
import { parseDuration, renderRoom } from './roomView';
import { bindTrackSearch } from './trackSearch';

const element = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/**
 * The rooms page: sign in, create a room or join one by invite code, add tracks, vote, and see
 * who is online. Every action is a hub invocation on `rooms`; every change arrives as
 * `roomUpdated`, applied in version order by the room's replica (which reads the room again on a gap).
 */
async function main(): Promise<void> {
  const { config, session } = await openSignedInPage();
  // Who this person is in rooms (an id the API derives from the token's issuer and subject).
  let me = '';
  const status = element('room-status');
  const say = (text: string) => {
    status.textContent = text;
  };
  const api = apiReader(config.apiBaseUrl, () => session.accessToken());

  const replicas = new Map<string, RoomReplica>();
  let summaries: RoomSummary[] = [];
  let current: string | undefined = sessionStorage.getItem('fieldline.room') ?? undefined;

  const replica = (roomId: string) => {
    let found = replicas.get(roomId);
    if (!found) {
      found = new RoomReplica({
        resync: () => api<RoomSnapshot>(`/rooms/${encodeURIComponent(roomId)}`),
        onChange: () => {
          if (roomId === current) draw();
        },
      });
      replicas.set(roomId, found);
    }
    return found;
  };

  const live = connectLive({
    apiBaseUrl: `${config.apiBaseUrl}/rooms`,
    accessToken: () => session.accessToken(),
    onState: (state, detail) => showConnection(element('connection'), state, detail),
    // On (re)connection each room's version arrives as `roomVersions`; the list is read here.
    onConnected: () => void refreshList(),
    handlers: {
      roomState: (state: RoomSnapshot) => {
        replica(state.roomId).reset(state);
        if (!summaries.some((s) => s.roomId === state.roomId)) void refreshList();
      },
      roomUpdated: (update: RoomUpdate) => replica(update.roomId).apply(update),
      // Only the rooms whose copy is behind are read again.
      roomVersions: (versions: { roomId: string; version: number }[]) => {
        for (const { roomId, version } of versions)
          if (replicas.has(roomId)) void replica(roomId).catchUp(version);
      },
      presence: (presence: { roomId: string; online: string[] }) =>
        replica(presence.roomId).presence(presence.online),
      roomError: (error: { code: string; message: string }) => say(error.message),
    },
  });

  // Presence lasts a quarter hour without a sign of life; an open page gives one every 5 minutes.
  setInterval(
    () => void live.invoke('stillHere', {}).catch(() => undefined),
    presenceRenewSeconds * 1000,
  );

  /** Invokes a hub method with a fresh request id, so a retried call is applied once. */
  const act = async <T>(method: string, args: Record<string, unknown>): Promise<T | undefined> => {
    say('');
    try {
      return await live.invoke<T>(method, { ...args, requestId: crypto.randomUUID() });
    } catch (error) {
      // The refusal also arrived as roomError; this covers a lost connection.
      say(error instanceof Error ? error.message.replace(/^.*?: /, '') : String(error));
      return undefined;
    }
  };

  const refreshList = async () => {
    try {
      const listed = await api<{ userId: string; rooms: RoomSummary[] }>('/rooms');
      me = listed.userId;
      summaries = listed.rooms;
    } catch (error) {
      say(`could not list your rooms: ${String(error)}`);
      return;
    }
    if (current && !summaries.some((s) => s.roomId === current)) current = undefined;
    current ??= summaries[0]?.roomId;
    drawList();
    if (current && !replicas.get(current)?.state)
      replica(current).reset(await api<RoomSnapshot>(`/rooms/${encodeURIComponent(current)}`));
    draw();
  };

  const choose = (roomId: string) => {
    current = roomId;
    sessionStorage.setItem('fieldline.room', roomId);
    drawList();
    draw();
  };

  const drawList = () => renderRoomList(summaries, current, choose);

  const draw = () => {
    const state = current ? replicas.get(current)?.state : undefined;
    element('no-room').hidden = state !== undefined;
    element('room-view').hidden = state === undefined;
    if (!state) return;
    const roomId = state.roomId;
    renderRoom(
      {
        name: element('room-name'),
        invite: element('room-invite'),
        nowPlaying: element('now-playing'),
        queue: element('queue'),
        people: element('people'),
      },
      state,
      me,
      {
        vote: (itemId, value) => void act('vote', { roomId, itemId, value }),
        remove: (itemId) => void act('removeItem', { roomId, itemId }),
        play: (itemId) => void act('setNowPlaying', { roomId, itemId }),
      },
    );
  };

  bindRoomForms({ act, say, refreshList, choose, current: () => current });
  bindTrackSearch({
    form: element<HTMLFormElement>('track-search'),
    results: element('track-results'),
    get: api,
    say,
    add: (track) => {
      if (current) void act('addItem', { roomId: current, catalogId: track.id });
    },
  });
  element('leave-room').addEventListener('click', async () => {
    if (!current) return;
    const left = current;
    if ((await act('leaveRoom', { roomId: left })) === undefined) return;
    replicas.get(left)?.close();
    replicas.delete(left);
    sessionStorage.removeItem('fieldline.room');
    current = undefined;
    await refreshList();
  });
}

/** GETs from the API with the signed-in person's token; a refusal throws the API's own words. */
function apiReader(apiBaseUrl: string, accessToken: () => Promise<string>) {
  return async <T>(path: string): Promise<T> => {
    const response = await fetch(`${apiBaseUrl}${path}`, {
      headers: { authorization: `Bearer ${await accessToken()}` },
    });
    if (!response.ok) {
      // The API's own words, when it refuses (a query it cannot run names the problem).
      const body = (await response.json().catch(() => undefined)) as
        | { error?: { message?: string } }
        | undefined;
      throw new Error(body?.error?.message ?? `GET ${path} answered ${response.status}`);
    }
    return (await response.json()) as T;
  };
}

/** The rooms a person is in, as buttons; the current one marked. */
function renderRoomList(
  summaries: readonly RoomSummary[],
  current: string | undefined,
  choose: (roomId: string) => void,
): void {
  element('room-list').replaceChildren(
    ...summaries.map((summary) => {
      const item = document.createElement('li');
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = summary.name;
      button.setAttribute('aria-current', String(summary.roomId === current));
      button.addEventListener('click', () => choose(summary.roomId));
      item.append(button);
      return item;
    }),
  );
}

/** The create, join and add forms, each an invocation of the rooms hub. */
function bindRoomForms(page: {
  act: <T>(method: string, args: Record<string, unknown>) => Promise<T | undefined>;
  say: (text: string) => void;
  refreshList: () => Promise<void>;
  choose: (roomId: string) => void;
  current: () => string | undefined;
}): void {
  const { act, say, refreshList, choose } = page;
  const form = (id: string, submit: (data: FormData, form: HTMLFormElement) => Promise<void>) => {
    const target = element<HTMLFormElement>(id);
    target.addEventListener('submit', (event) => {
      event.preventDefault();
      void submit(new FormData(target), target);
    });
  };
  form('create-room', async (data, target) => {
    const created = await act<{ roomId: string }>('createRoom', { name: String(data.get('name')) });
    if (!created) return;
    target.reset();
    await refreshList();
    choose(created.roomId);
  });
  form('join-room', async (data, target) => {
    const joined = await act<{ roomId: string }>('joinRoom', {
      inviteCode: String(data.get('inviteCode')).trim().toUpperCase(),
    });
    if (!joined) return;
    target.reset();
    await refreshList();
    choose(joined.roomId);
  });
  form('add-item', async (data, target) => {
    const current = page.current();
    if (!current) return;
    const durationSeconds = parseDuration(String(data.get('duration')));
    if (durationSeconds === undefined) return say('type the duration as m:ss, such as 3:30');
    const added = await act('addItem', {
      roomId: current,
      title: String(data.get('title')),
      artist: String(data.get('artist')),
      durationSeconds,
    });
    if (added) target.reset();
  });
}

startPage('The rooms page', main);
