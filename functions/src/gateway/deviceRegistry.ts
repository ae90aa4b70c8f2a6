import { AppError } from '../host/appError';
import { deviceIdRule, isValidDeviceId } from '../host/deviceId';
import type { GatewayConfig } from '../settings/config';
import { createHubRestCall, iotHubApiVersion } from './iotHubRest';

export interface RegisteredDevice {
  readonly deviceId: string;
  readonly hostName: string;
  readonly primaryKey: string;
  readonly connectionString: string;
}

/**
 * Registers devices through the hub's registry REST API: a new device is created with
 * hub-generated keys, which only its creation returns. Callers never see a hub key.
 */
export function createDeviceRegistry(options: {
  gateway: GatewayConfig;
  authorization: () => Promise<string>;
  fetch?: typeof fetch;
}) {
  const hub = createHubRestCall(options);
  const { hubHostName, gatewayHostName, endpoint } = options.gateway;
  const deviceUrl = (deviceId: string) =>
    `${endpoint}/devices/${encodeURIComponent(deviceId)}?api-version=${iotHubApiVersion}`;
  const call = (method: string, deviceId: string, body?: unknown) =>
    hub(method, deviceUrl(deviceId), body === undefined ? {} : { body });

  function toDevice(identity: {
    deviceId: string;
    authentication?: { symmetricKey?: { primaryKey?: string } };
  }): RegisteredDevice {
    const primaryKey = identity.authentication?.symmetricKey?.primaryKey ?? '';
    return {
      deviceId: identity.deviceId,
      hostName: hubHostName,
      primaryKey,
      connectionString: `HostName=${hubHostName};DeviceId=${identity.deviceId};SharedAccessKey=${primaryKey}${gatewayHostName ? `;GatewayHostName=${gatewayHostName}` : ''}`,
    };
  }

  return {
    /**
     * Creates a device with hub-generated keys. An existing device is not returned: its keys are
     * handed out only at creation (and to `connection`, which the API keeps for Fleet.Admin).
     */
    async register(
      deviceId: string,
    ): Promise<{ created: true; device: RegisteredDevice } | { created: false }> {
      if (!isValidDeviceId(deviceId)) {
        throw new AppError('validation_failed', deviceIdRule);
      }
      // Without If-Match a PUT only creates: IoT Hub answers 409 for an existing device.
      const response = await call('PUT', deviceId, { deviceId });
      if (response.status === 409) return { created: false };
      if (!response.ok) {
        const status = response.status === 429 ? 'too_many_requests' : 'unavailable';
        throw new AppError(status, `IoT Hub answered ${response.status} to the registration`);
      }
      return {
        created: true,
        device: toDevice((await response.json()) as Parameters<typeof toDevice>[0]),
      };
    },

    /** An existing device's identity with its key and connection string; undefined when unknown. */
    async connection(deviceId: string): Promise<RegisteredDevice | undefined> {
      if (!isValidDeviceId(deviceId)) throw new AppError('validation_failed', deviceIdRule);
      const response = await call('GET', deviceId);
      if (response.status === 404) return undefined;
      if (!response.ok) {
        const status = response.status === 429 ? 'too_many_requests' : 'unavailable';
        throw new AppError(status, `IoT Hub answered ${response.status} to the device read`);
      }
      return toDevice((await response.json()) as Parameters<typeof toDevice>[0]);
    },

    /** Deletes a device identity; false when the registry did not know it. */
    async remove(deviceId: string): Promise<boolean> {
      if (!isValidDeviceId(deviceId)) throw new AppError('validation_failed', deviceIdRule);
      // Unconditionally: the operator means whatever version the registry holds.
      const response = await hub('DELETE', deviceUrl(deviceId), { headers: { 'if-match': '*' } });
      if (response.status === 404) return false;
      if (!response.ok) {
        const status = response.status === 429 ? 'too_many_requests' : 'unavailable';
        throw new AppError(status, `IoT Hub answered ${response.status} to the removal`);
      }
      return true;
    },

    /** Whether the registry answers with our credentials (a probe id that need not exist). */
    async probe(): Promise<void> {
      const response = await call('GET', 'fieldline-health-probe');
      if (response.status !== 404 && !response.ok)
        throw new Error(`registry answered ${response.status}`);
    },
  };
}

export type DeviceRegistry = ReturnType<typeof createDeviceRegistry>;
