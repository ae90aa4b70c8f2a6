import type { HubEventLog } from '../state/hubEventLog';

// The hub's non-telemetry events, as routes deliver them to the built-in endpoint: twin changes
// and device connection state, with the application and system properties routing gives them.
// https://learn.microsoft.com/azure/iot-hub/iot-hub-devguide-messages-d2c#non-telemetry-events
// https://learn.microsoft.com/azure/iot-hub/iot-hub-non-telemetry-event-schema

export type TwinOperation = 'updateTwin' | 'replaceTwin';

export interface HubEvents {
  /** A twin changed: `body` is the change, `{version, tags?, properties: {desired?|reported?}}`. */
  twinChanged(deviceId: string, operation: TwinOperation, body: object): void;
  connectionChanged(deviceId: string, connected: boolean): void;
}

export function createHubEvents(options: {
  readonly log: HubEventLog;
  readonly hostName: string;
  readonly now?: () => number;
}): HubEvents {
  const now = options.now ?? Date.now;
  const hubName = options.hostName.split('.')[0] ?? options.hostName;
  // Connection events carry an increasing sequence number, so a consumer can order them.
  let connectionSequence = 0n;
  const append = (
    deviceId: string,
    source: string,
    schema: string,
    operation: string,
    body: object,
  ) =>
    options.log.append(
      deviceId,
      Buffer.from(JSON.stringify(body)),
      {
        hubName,
        deviceId,
        operationTimestamp: new Date(now()).toISOString(),
        'iothub-message-schema': schema,
        opType: operation,
      },
      {
        'iothub-connection-device-id': deviceId,
        'iothub-message-source': source,
        'content-type': 'application/json',
        'content-encoding': 'utf-8',
      },
    );
  return {
    twinChanged: (deviceId, operation, body) =>
      append(deviceId, 'twinChangeEvents', 'twinChangeNotification', operation, body),
    connectionChanged(deviceId, connected) {
      connectionSequence++;
      append(
        deviceId,
        'deviceConnectionStateEvents',
        'deviceConnectionStateNotification',
        connected ? 'deviceConnected' : 'deviceDisconnected',
        { sequenceNumber: connectionSequence.toString(16).toUpperCase().padStart(64, '0') },
      );
    },
  };
}
