/** The operators' hub: fleet messages, which reach dashboards and nobody else. */
export const telemetryHub = 'telemetry';

/**
 * The app users' hub. Its clients connect with a user id and receive only what is addressed to
 * them; a token for one hub cannot open the other, so fleet broadcasts never reach app users.
 */
export const userHub = 'users';

/**
 * Collaborative rooms: members invoke hub methods (through SignalR's upstream to the `rooms`
 * triggers) and receive their rooms' changes through one group per room.
 */
export const roomsHub = 'rooms';
