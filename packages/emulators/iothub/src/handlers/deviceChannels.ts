import { randomUUID } from 'node:crypto';
import type { HubError } from '../protocol/hubErrors';
import { TwinError, type TwinStore } from '../state/twinStore';
import type { HubEvents } from './hubEvents';

// The hub's side of the MQTT topics for twins and direct methods:
// https://learn.microsoft.com/azure/iot/iot-mqtt-connect-to-iot-hub#retrieving-a-device-twins-properties

/** What the channels need of the broker: to send one connected device one message. */
export interface DeviceLink {
  send(deviceId: string, topic: string, payload: string): boolean;
  /** Whether the device is connected and subscribed to `topicFilter`. */
  listens(deviceId: string, topicFilter: string): boolean;
  isConnected(deviceId: string): boolean;
}

export const twinResponses = '$iothub/twin/res/#';
export const desiredUpdates = '$iothub/twin/PATCH/properties/desired/#';
export const methodRequests = '$iothub/methods/POST/#';
/** The subscriptions a device may make; others (cloud-to-device messages) are refused. */
export const deviceSubscriptions = [twinResponses, desiredUpdates, methodRequests];

export interface MethodResult {
  readonly status: number;
  readonly payload: unknown;
}

export interface DeviceChannels {
  /** A device's publish to `$iothub/...`; false when the topic is not one the hub takes. */
  fromDevice(deviceId: string, topic: string, payload: Buffer): boolean;
  /** Tells the device of a desired-properties patch, if it listens. */
  desiredChanged(deviceId: string, patch: object): void;
  /** A direct method, answered by the device within the timeout, or a hub error. */
  invoke(
    deviceId: string,
    method: {
      name: string;
      payload: unknown;
      timeoutSeconds: number;
      /** How long to wait for a disconnected device to connect (0: fail at once). */
      connectTimeoutSeconds?: number;
    },
  ): Promise<MethodResult | HubError>;
  /** The device's connection ended: its pending methods fail as the hub fails them. */
  disconnected(deviceId: string): void;
  isConnected(deviceId: string): boolean;
}

export function createDeviceChannels(
  twins: TwinStore,
  link: DeviceLink,
  events: HubEvents,
): DeviceChannels {
  const pending = new Map<
    string,
    { deviceId: string; settle: (result: MethodResult | HubError) => void }
  >();
  const respond = (deviceId: string, status: number, rid: string, body: unknown, extra = '') =>
    link.send(
      deviceId,
      `$iothub/twin/res/${status}/?$rid=${encodeURIComponent(rid)}${extra}`,
      body === undefined ? '' : JSON.stringify(body),
    );
  return {
    fromDevice(deviceId, topic, payload) {
      const [path = '', query = ''] = topic.split('?');
      const params = new URLSearchParams(query);
      const rid = params.get('$rid') ?? '';
      // The SDKs write the verbs as the docs do (GET, PATCH); the docs' examples also lower-case them.
      const lower = path.toLowerCase();
      if (lower === '$iothub/twin/get/') {
        respond(deviceId, 200, rid, twins.deviceView(deviceId));
        return true;
      }
      if (lower === '$iothub/twin/patch/properties/reported/') {
        try {
          const patch = JSON.parse(payload.toString('utf8') || 'null') as unknown;
          const { version, twinVersion } = twins.patchReported(deviceId, patch);
          respond(deviceId, 204, rid, undefined, `&$version=${version}`);
          events.twinChanged(deviceId, 'updateTwin', {
            version: twinVersion,
            properties: { reported: { ...(patch as object), $version: version } },
          });
        } catch (error) {
          const status = error instanceof TwinError ? error.status : 400;
          const message = error instanceof Error ? error.message : String(error);
          respond(deviceId, status, rid, { errorCode: status * 1000, message });
        }
        return true;
      }
      const answer = /^\$iothub\/methods\/res\/(\d{1,3})\/$/.exec(path);
      if (answer) {
        const call = pending.get(rid);
        if (call?.deviceId === deviceId) {
          pending.delete(rid);
          let body: unknown = null;
          try {
            body = JSON.parse(payload.toString('utf8') || 'null');
          } catch {
            body = payload.toString('utf8');
          }
          call.settle({ status: Number(answer[1]), payload: body });
        }
        return true;
      }
      return false;
    },
    desiredChanged(deviceId, patch) {
      if (!link.listens(deviceId, desiredUpdates)) return;
      const version = (patch as { $version?: number }).$version;
      link.send(
        deviceId,
        `$iothub/twin/PATCH/properties/desired/?$version=${version}`,
        JSON.stringify(patch),
      );
    },
    async invoke(deviceId, method) {
      // The hub waits connectTimeoutInSeconds for the device to be there to take the call, and
      // answers at once without one.
      const connectBy = Date.now() + (method.connectTimeoutSeconds ?? 0) * 1000;
      while (!link.listens(deviceId, methodRequests) && Date.now() < connectBy)
        await new Promise((resolve) => setTimeout(resolve, 100));
      if (!link.listens(deviceId, methodRequests))
        return {
          status: 404,
          code: 'DeviceNotOnline',
          message: `Timed out waiting for device ${deviceId} to connect (404103)`,
        };
      const rid = randomUUID().replaceAll('-', '').slice(0, 16);
      return new Promise<MethodResult | HubError>((resolve) => {
        const timer = setTimeout(() => {
          pending.delete(rid);
          resolve({
            status: 504,
            code: 'GatewayTimeout',
            message: `Timed out waiting for the response from device ${deviceId} (504101)`,
          });
        }, method.timeoutSeconds * 1000);
        pending.set(rid, {
          deviceId,
          settle: (result) => {
            clearTimeout(timer);
            resolve(result);
          },
        });
        link.send(
          deviceId,
          `$iothub/methods/POST/${encodeURIComponent(method.name)}/?$rid=${rid}`,
          JSON.stringify(method.payload ?? null),
        );
      });
    },
    isConnected: (deviceId) => link.isConnected(deviceId),
    disconnected(deviceId) {
      for (const [rid, call] of pending)
        if (call.deviceId === deviceId) {
          pending.delete(rid);
          call.settle({
            status: 404,
            code: 'DeviceNotOnline',
            message: `Device ${deviceId} disconnected before it answered (404103)`,
          });
        }
    },
  };
}
