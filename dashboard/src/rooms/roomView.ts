import type { RoomItem, RoomSnapshot } from './roomReplica';

export interface RoomActions {
  vote(itemId: string, value: 1 | -1): void;
  remove(itemId: string): void;
  play(itemId: string): void;
}

/** `m:ss`, as a duration is shown and typed. */
export function formatDuration(seconds: number): string {
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

/** `3:30` or `210` as seconds; undefined when it is neither. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d{1,3})(?::([0-5]\d))?$/.exec(text.trim());
  if (!match) return undefined;
  return match[2] === undefined ? Number(match[1]) : Number(match[1]) * 60 + Number(match[2]);
}

const make = <K extends keyof HTMLElementTagNameMap>(
  tag: K,
  text?: string,
  attributes: Record<string, string> = {},
): HTMLElementTagNameMap[K] => {
  const element = document.createElement(tag);
  if (text !== undefined) element.textContent = text;
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  return element;
};

/** Draws one room: its queue in play order with this person's votes, what plays, and who is online. */
export function renderRoom(
  root: {
    name: HTMLElement;
    invite: HTMLElement;
    nowPlaying: HTMLElement;
    queue: HTMLElement;
    people: HTMLElement;
  },
  state: RoomSnapshot,
  me: string,
  actions: RoomActions,
): void {
  const owner = state.ownerId === me;
  const names = new Map(state.members.map((m) => [m.userId, m.name]));
  root.name.textContent = state.name;
  root.invite.textContent = state.inviteCode;
  const playing = state.items.find((item) => item.itemId === state.nowPlaying);
  root.nowPlaying.textContent = playing
    ? `▶ Now playing: ${playing.title} — ${playing.artist}`
    : '';
  root.queue.replaceChildren(
    ...state.items.map((item) => queueEntry(item, { me, owner, names, actions, state })),
  );
  root.people.replaceChildren(
    ...state.members.map((member) =>
      make('li', `${member.name}${member.userId === state.ownerId ? ' (owner)' : ''}`, {
        'data-online': String(state.online.includes(member.userId)),
        'data-user': member.userId,
      }),
    ),
  );
}

function queueEntry(
  item: RoomItem,
  context: {
    me: string;
    owner: boolean;
    names: Map<string, string>;
    actions: RoomActions;
    state: RoomSnapshot;
  },
): HTMLLIElement {
  const { me, owner, names, actions, state } = context;
  const entry = make('li', undefined, {
    'data-item': item.itemId,
    'data-playing': String(state.nowPlaying === item.itemId),
  });
  const text = make('span');
  text.append(
    make('span', item.title, { class: 'title' }),
    make('span', ` — ${item.artist} · ${formatDuration(item.durationSeconds)}`, { class: 'muted' }),
    make('span', ` · added by ${names.get(item.addedBy) ?? 'someone who left'}`, {
      class: 'muted',
    }),
  );
  const score = make('span', String(item.score), { class: 'score', 'aria-label': 'score' });
  const buttons = make('span');
  const mine = item.votes[me];
  const button = (label: string, title: string, onClick: () => void, pressed?: boolean) => {
    const b = make('button', label, {
      type: 'button',
      title,
      'aria-label': `${title}: ${item.title}`,
    });
    if (pressed !== undefined) b.setAttribute('aria-pressed', String(pressed));
    b.addEventListener('click', onClick);
    return b;
  };
  buttons.append(
    button('▲', 'Vote up', () => actions.vote(item.itemId, 1), mine === 1),
    button('▼', 'Vote down', () => actions.vote(item.itemId, -1), mine === -1),
  );
  if (owner) buttons.append(button('▶', 'Play', () => actions.play(item.itemId)));
  if (owner || item.addedBy === me)
    buttons.append(button('✕', 'Remove', () => actions.remove(item.itemId)));
  entry.append(text, score, buttons);
  return entry;
}
