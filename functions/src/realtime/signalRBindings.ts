import { output } from '@azure/functions';
import { settingNames } from '../platform/settingNames';

/** The operators' hub: fleet messages, which reach dashboards and nobody else. */
export const telemetryHub = 'telemetry';

/**
 * The app users' hub. Its clients connect with a user id and receive only what is addressed to
 * them; a token for one hub cannot open the other, so fleet broadcasts never reach app users.
 */
export const userHub = 'users';

/** Messages to clients of {@link telemetryHub}, delivered by the host after the function returns. */
export const telemetryMessages = output.generic({
  type: 'signalR',
  name: 'signalRMessages',
  hubName: telemetryHub,
  connectionStringSetting: settingNames.signalR,
});

/** Messages to one app user each (`userId` set), on {@link userHub}. */
export const userMessages = output.generic({
  type: 'signalR',
  name: 'userSignalRMessages',
  hubName: userHub,
  connectionStringSetting: settingNames.signalR,
});
