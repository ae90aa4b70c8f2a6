/** The hub methods clients invoke on `rooms`, each with one camelCase argument object. */
export const roomMethods = [
  'createRoom',
  'joinRoom',
  'leaveRoom',
  'addItem',
  'vote',
  'removeItem',
  'setNowPlaying',
] as const;
export type RoomMethod = (typeof roomMethods)[number];
