/** The hub methods clients invoke on `rooms`, each with one camelCase argument object. */
export const roomMethods = [
  'createRoom',
  'joinRoom',
  'leaveRoom',
  'addItem',
  'vote',
  'removeItem',
  'setNowPlaying',
  /** Keeps the caller's presence alive (see `presenceTtlSeconds`); clients send it every few minutes. */
  'stillHere',
] as const;
export type RoomMethod = (typeof roomMethods)[number];
