import type { DeviceIdentity } from '../state/registryStore';
import { argumentInvalid, type HubError } from './hubErrors';

export const deviceIdPattern = /^[A-Za-z0-9\-.%_#*?!(),:=@$'+]{1,128}$/;

export interface DeviceBody {
  readonly deviceId?: string;
  readonly status?: 'enabled' | 'disabled';
  readonly primaryKey?: string;
  readonly secondaryKey?: string;
}

/** The registry's device object as a `PUT /devices/{id}` body: only the fields fieldline keeps. */
export function parseDeviceBody(raw: Buffer): DeviceBody | { error: HubError } {
  if (raw.length === 0) return {};
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    return { error: argumentInvalid('the body is not JSON') };
  }
  if (typeof body !== 'object' || body === null)
    return { error: argumentInvalid('the body must be a device object') };
  const { deviceId, status, authentication } = body as Record<string, unknown>;
  const keys = (
    authentication as
      | { symmetricKey?: { primaryKey?: unknown; secondaryKey?: unknown } }
      | undefined
  )?.symmetricKey;
  const key = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  if (status !== undefined && status !== 'enabled' && status !== 'disabled')
    return { error: argumentInvalid('status must be enabled or disabled') };
  const primaryKey = key(keys?.primaryKey);
  const secondaryKey = key(keys?.secondaryKey);
  return {
    ...(typeof deviceId === 'string' ? { deviceId } : {}),
    ...(status ? { status } : {}),
    ...(primaryKey ? { primaryKey } : {}),
    ...(secondaryKey ? { secondaryKey } : {}),
  };
}

/** A device as the registry API answers with it. */
export function toDeviceJson(device: DeviceIdentity) {
  return {
    deviceId: device.deviceId,
    generationId: device.generationId,
    etag: device.etag,
    connectionState: 'Disconnected',
    status: device.status,
    statusReason: null,
    connectionStateUpdatedTime: '0001-01-01T00:00:00Z',
    statusUpdatedTime: device.statusUpdatedTime,
    lastActivityTime: '0001-01-01T00:00:00Z',
    cloudToDeviceMessageCount: 0,
    authentication: {
      symmetricKey: { primaryKey: device.primaryKey, secondaryKey: device.secondaryKey },
      x509Thumbprint: { primaryThumbprint: null, secondaryThumbprint: null },
      type: 'sas',
    },
    capabilities: { iotEdge: false },
  };
}
