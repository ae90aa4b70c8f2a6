import type { HubError } from '../protocol/hubErrors';
import type { ParsedSasToken } from '../protocol/sharedAccessSignature';
import type { HubEventLog } from '../state/hubEventLog';
import type { RegistryStore } from '../state/registryStore';
import type { Authorizer } from './authorization';

/** A device's credentials checked, and its messages taken in, the same whatever protocol brought them. */
export interface DeviceGate {
  authorize(token: ParsedSasToken, deviceId: string): HubError | undefined;
  accept(
    deviceId: string,
    token: ParsedSasToken,
    body: Buffer,
    properties: Record<string, string>,
    system: Record<string, string>,
  ): void;
  /** The hub's host name, which device tokens and MQTT user names name. */
  hostName(): string;
}

/** What both front doors (HTTPS and MQTT) do with a device's credentials and messages. */
export function createDeviceGate(options: {
  readonly hostName: string;
  readonly registry: RegistryStore;
  readonly log: HubEventLog;
  readonly authorizer: Authorizer;
}): DeviceGate {
  return {
    authorize: (token, deviceId) =>
      options.authorizer.device(token, deviceId, options.registry.get(deviceId)),
    accept(deviceId, token, body, properties, system) {
      options.log.append(deviceId, body, properties, {
        'iothub-connection-device-id': deviceId,
        'iothub-connection-auth-method': JSON.stringify({
          scope: token.policyName ? 'hub' : 'device',
          type: 'sas',
          issuer: 'iothub',
        }),
        'iothub-connection-auth-generation-id': options.registry.get(deviceId)?.generationId,
        'iothub-message-source': 'Telemetry',
        ...system,
      });
    },
    hostName: () => options.hostName,
  };
}
