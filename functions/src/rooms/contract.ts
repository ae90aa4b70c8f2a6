// What the rooms hub sends and takes, as the rooms page replicates it.
export { queueOrder, type RoomChange, type RoomItem } from './roomModel';
export { presenceRenewSeconds } from './roomPeople';
export type { RoomSnapshot, RoomSummary } from './roomService';
