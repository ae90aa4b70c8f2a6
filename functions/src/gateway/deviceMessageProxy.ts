import { AppError } from '../host/appError';
import type { GatewayConfig } from '../settings/config';
import { iotHubApiVersion } from './iotHubRest';

// Device-to-cloud messages are limited to 256 KB by the hub.
export const maxDeviceMessageBytes = 256 * 1024;

export interface ProxiedResponse {
  readonly status: number;
  readonly retryAfter?: string;
}

/**
 * Forwards a browser's device-to-cloud message to the hub's HTTPS API, which browsers cannot call
 * themselves (IoT Hub sends no CORS headers). The device's own SAS token goes along unchanged: the
 * hub, not this proxy, decides whether it is valid, so the proxy holds no keys.
 */
export type DeviceMessageProxy = ReturnType<typeof createDeviceMessageProxy>;

export function createDeviceMessageProxy(options: {
  gateway: GatewayConfig;
  fetch?: typeof fetch;
}) {
  const request =
    options.fetch ?? ((url: string | URL | Request, init?: RequestInit) => fetch(url, init));
  return async function forward(message: {
    deviceId: string;
    authorization: string | null;
    body: Uint8Array;
    contentType: string | null;
    properties: Readonly<Record<string, string>>;
  }): Promise<ProxiedResponse> {
    if (!message.authorization?.startsWith('SharedAccessSignature ')) {
      throw new AppError(
        'unauthorized',
        'send the device SAS token in Authorization: SharedAccessSignature sr=...&sig=...&se=...',
      );
    }
    if (message.body.byteLength > maxDeviceMessageBytes) {
      throw new AppError(
        'payload_too_large',
        `a device message is at most ${maxDeviceMessageBytes} bytes`,
      );
    }
    const headers: Record<string, string> = { authorization: message.authorization };
    if (message.contentType) headers['content-type'] = message.contentType;
    for (const [name, value] of Object.entries(message.properties))
      headers[`iothub-app-${name}`] = value;
    let response: Response;
    try {
      response = await request(
        `${options.gateway.endpoint}/devices/${encodeURIComponent(message.deviceId)}/messages/events?api-version=${iotHubApiVersion}`,
        { method: 'POST', headers, body: Buffer.from(message.body) },
      );
    } catch (error) {
      throw new AppError('unavailable', 'IoT Hub did not answer; try again', { cause: error });
    }
    if (response.ok) return { status: 204 };
    const hubCode = response.headers.get('iothub-errorcode') ?? String(response.status);
    switch (response.status) {
      case 401:
        throw new AppError('unauthorized', `IoT Hub refused the device token (${hubCode})`);
      case 403:
        throw new AppError('forbidden', `IoT Hub refused the device (${hubCode})`);
      case 404:
        throw new AppError('not_found', `IoT Hub does not know this device (${hubCode})`);
      case 413:
        throw new AppError('payload_too_large', `IoT Hub refused the message size (${hubCode})`);
      case 429:
        return { status: 429, retryAfter: response.headers.get('retry-after') ?? '1' };
      default:
        throw new AppError('unavailable', `IoT Hub answered ${response.status} (${hubCode})`);
    }
  };
}
