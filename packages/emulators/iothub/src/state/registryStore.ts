import { randomBytes } from 'node:crypto';

export interface DeviceIdentity {
  readonly deviceId: string;
  readonly generationId: string;
  readonly etag: string;
  readonly status: 'enabled' | 'disabled';
  readonly primaryKey: string;
  readonly secondaryKey: string;
  readonly statusUpdatedTime: string;
}

export type RegistryResult<T> =
  | { ok: true; value: T }
  | { ok: false; status: 404 | 409 | 412; code: string; message: string };

const newKey = () => randomBytes(32).toString('base64');

/** The IoT Hub identity registry, in memory: devices with SAS keys and ETags. */
export class RegistryStore {
  private readonly devices = new Map<string, DeviceIdentity>();
  private version = 0;

  get(deviceId: string): DeviceIdentity | undefined {
    return this.devices.get(deviceId);
  }

  /** Every registered device's id, in id order (queries page through them in this order). */
  ids(): string[] {
    return [...this.devices.keys()].sort();
  }

  /**
   * Creates a device, or updates it when `ifMatch` names its ETag (or `*`). Like the hub, a create
   * for an id that exists is a 409, and an update with a stale ETag a 412.
   */
  put(
    deviceId: string,
    request: { status?: 'enabled' | 'disabled'; primaryKey?: string; secondaryKey?: string },
    ifMatch: string | undefined,
  ): RegistryResult<{ device: DeviceIdentity; created: boolean }> {
    const existing = this.devices.get(deviceId);
    if (existing && ifMatch === undefined) {
      return {
        ok: false,
        status: 409,
        code: 'DeviceAlreadyExists',
        message: `A device with ID '${deviceId}' is already registered.`,
      };
    }
    if (!existing && ifMatch !== undefined && !matchesAny(ifMatch)) {
      return {
        ok: false,
        status: 404,
        code: 'DeviceNotFound',
        message: `Device ${deviceId} not registered`,
      };
    }
    if (
      existing &&
      ifMatch !== undefined &&
      !matchesAny(ifMatch) &&
      unquote(ifMatch) !== existing.etag
    ) {
      return {
        ok: false,
        status: 412,
        code: 'PreconditionFailed',
        message: 'Precondition failed: the ETag does not match',
      };
    }
    const now = new Date().toISOString();
    const device: DeviceIdentity = {
      deviceId,
      generationId: existing?.generationId ?? String(Date.now() * 1000 + (this.version % 1000)),
      etag: Buffer.from(String(++this.version)).toString('base64'),
      status: request.status ?? existing?.status ?? 'enabled',
      primaryKey: request.primaryKey || existing?.primaryKey || newKey(),
      secondaryKey: request.secondaryKey || existing?.secondaryKey || newKey(),
      statusUpdatedTime: now,
    };
    this.devices.set(deviceId, device);
    return { ok: true, value: { device, created: !existing } };
  }

  delete(deviceId: string, ifMatch: string | undefined): RegistryResult<void> {
    const existing = this.devices.get(deviceId);
    if (!existing)
      return {
        ok: false,
        status: 404,
        code: 'DeviceNotFound',
        message: `Device ${deviceId} not registered`,
      };
    if (ifMatch !== undefined && !matchesAny(ifMatch) && unquote(ifMatch) !== existing.etag) {
      return {
        ok: false,
        status: 412,
        code: 'PreconditionFailed',
        message: 'Precondition failed: the ETag does not match',
      };
    }
    this.devices.delete(deviceId);
    return { ok: true, value: undefined };
  }
}

// `*`, quoted or not: azure-iothub's Registry sends `If-Match: "*"`.
function matchesAny(ifMatch: string): boolean {
  return unquote(ifMatch) === '*';
}

function unquote(etag: string): string {
  return etag.replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
}
