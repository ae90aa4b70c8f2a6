import { input, output } from '@azure/functions';
import { settingNames } from '../platform/settingNames';

/** The hub the dashboard listens on. */
export const telemetryHub = 'telemetry';

/** Connection info (`{url, accessToken}`) for a client of {@link telemetryHub}. */
export const telemetryConnectionInfo = input.generic({
  type: 'signalRConnectionInfo',
  name: 'connectionInfo',
  hubName: telemetryHub,
  connectionStringSetting: settingNames.signalR,
});

/** Messages to clients of {@link telemetryHub}, delivered by the host after the function returns. */
export const telemetryMessages = output.generic({
  type: 'signalR',
  name: 'signalRMessages',
  hubName: telemetryHub,
  connectionStringSetting: settingNames.signalR,
});
