import tls from 'node:tls';
import { listen } from '@fieldline/emulator-kit';
import type { Client } from 'aedes';
import { dtmiPattern } from '../protocol/dtmi';
import { parseSasToken } from '../protocol/sharedAccessSignature';
import {
  type createProvisioningMqtt,
  isProvisioningUserName,
  type ProvisioningSession,
  provisioningSubscription,
} from '../provisioning/provisioningMqtt';
import type { TwinStore } from '../state/twinStore';
import { createDeviceChannels, type DeviceChannels, deviceSubscriptions } from './deviceChannels';
import type { DeviceGate } from './deviceGate';
import type { HubEvents } from './hubEvents';

export interface MqttFrontDoorOptions {
  readonly gate: DeviceGate;
  readonly certificates: { readonly certPem: string; readonly keyPem: string };
  readonly maxMessageBytes: number;
  readonly log: (line: string) => void;
  readonly twins: TwinStore;
  readonly events: HubEvents;
  /** DPS's device registration, served on the same door and told apart by the user name. */
  readonly provisioning?: ReturnType<typeof createProvisioningMqtt>;
}

/**
 * IoT Hub's device endpoint over MQTT 3.1.1 and TLS, as the device SDKs use it
 * (https://learn.microsoft.com/azure/iot/iot-mqtt-connect-to-iot-hub): the client id is the device
 * id, the user name `{hub host}/{device id}/?api-version=...`, the password a SAS token checked as
 * the HTTPS path checks it. A device publishes telemetry to
 * `devices/{device id}/messages/events/{property bag}`, and only as itself; it reads and reports
 * its twin, hears desired-property changes, and answers direct methods on the `$iothub/` topics
 * (`deviceChannels.ts`). Cloud-to-device subscriptions are refused in the SUBACK and logged,
 * never accepted silently. The broker is Aedes.
 */
export async function startMqttFrontDoor(
  port: number,
  options: MqttFrontDoorOptions,
): Promise<{ readonly port: number; readonly channels: DeviceChannels; stop(): Promise<void> }> {
  // Aedes is an ES module; this package is CommonJS.
  const { Aedes } = await import('aedes');
  const broker = await Aedes.createBroker({ drainTimeout: 30_000 });
  // By connection, not by device id: a device that reconnects takes its id over from the old one.
  const tokens = new WeakMap<object, NonNullable<ReturnType<typeof parseSasToken>>>();
  const subscriptions = new WeakMap<object, Set<string>>();
  // The current connection of each device: a reconnect takes the id over from the old one.
  const connected = new Map<string, Client>();
  // DPS connections: a registration id is no device's connection, even when the ids are the same.
  const provisioning = new WeakMap<object, ProvisioningSession>();
  broker.on('client', (client) => {
    if (provisioning.has(client)) return;
    connected.set(client.id, client);
    options.events.connectionChanged(client.id, true);
  });
  const channels = createDeviceChannels(
    options.twins,
    {
      send(deviceId, topic, payload) {
        const client = connected.get(deviceId);
        if (!client) return false;
        publishTo(client, topic, Buffer.from(payload));
        return true;
      },
      isConnected: (deviceId) => connected.has(deviceId),
      listens: (deviceId, filter) => {
        const client = connected.get(deviceId);
        return client !== undefined && (subscriptions.get(client)?.has(filter) ?? false);
      },
    },
    options.events,
  );
  broker.on('clientDisconnect', (client) => {
    if (provisioning.has(client)) return;
    // A device that reconnected has a new client already; only the current one's calls fail.
    if (connected.get(client.id) !== client) return;
    connected.delete(client.id);
    channels.disconnected(client.id);
    options.events.connectionChanged(client.id, false);
  });

  broker.authenticate = (client, username, password, callback) => {
    const refuse = (why: string) => {
      options.log(`MQTT: refused ${client.id}: ${why}`);
      callback(Object.assign(new Error(why), { returnCode: 5 }), false);
    };
    const deviceId = client.id;
    if (options.provisioning && isProvisioningUserName(username ?? '')) {
      const session = options.provisioning.connect(
        client.id,
        username ?? '',
        password?.toString('utf8'),
      );
      if (typeof session === 'string') return refuse(`DPS: ${session}`);
      provisioning.set(client, session);
      return callback(null, true);
    }
    const [host, userDevice, ...rest] = (username ?? '').split('/');
    if (host?.toLowerCase() !== options.gate.hostName().toLowerCase() || userDevice !== deviceId)
      return refuse(
        `the user name must be ${options.gate.hostName()}/${deviceId}/?api-version=...`,
      );
    const token = parseSasToken(password?.toString('utf8'));
    if (!token) return refuse('the password must be a SharedAccessSignature token');
    const denied = options.gate.authorize(token, deviceId);
    if (denied) return refuse(denied.message);
    const modelId = announcedModel(rest.join('/'));
    if (modelId !== undefined && !dtmiPattern.test(modelId))
      return refuse(`the model-id "${modelId.slice(0, 80)}" is not a DTMI (dtmi:<path>;<version>)`);
    if (modelId !== undefined) options.twins.announceModel(deviceId, modelId);
    tokens.set(client, token);
    callback(null, true);
  };

  broker.authorizePublish = (client, packet, callback) => {
    const deviceId = client?.id ?? '';
    const session = client ? provisioning.get(client) : undefined;
    if (client && session && options.provisioning) {
      if (answerProvisioning(options.provisioning, session, client, packet)) return callback(null);
      options.log(`MQTT: DPS client ${deviceId} may not publish to ${packet.topic}; disconnected`);
      return callback(new Error(`not authorized to publish to ${packet.topic}`));
    }
    const token = client ? tokens.get(client) : undefined;
    const prefix = `devices/${deviceId}/messages/events/`;
    if (client && token && packet.topic.startsWith('$iothub/')) {
      if (channels.fromDevice(deviceId, packet.topic, asBuffer(packet.payload)))
        return callback(null);
    }
    // IoT Hub closes the connection of a device that publishes anywhere else.
    if (!client || !token || !packet.topic.startsWith(prefix)) {
      options.log(`MQTT: ${deviceId} may not publish to ${packet.topic}; disconnected`);
      return callback(new Error(`not authorized to publish to ${packet.topic}`));
    }
    const payload = asBuffer(packet.payload);
    if (payload.length > options.maxMessageBytes) {
      options.log(
        `MQTT: ${deviceId} sent ${payload.length} bytes; the limit is ${options.maxMessageBytes}`,
      );
      return callback(new Error('message too large'));
    }
    const bag = readPropertyBag(packet.topic.slice(prefix.length));
    if ('problem' in bag) {
      options.log(`MQTT: ${deviceId} published to ${packet.topic}: ${bag.problem}; refused`);
      return callback(new Error(bag.problem));
    }
    options.gate.accept(deviceId, token, payload, bag.properties, bag.system);
    callback(null);
  };

  broker.authorizeSubscribe = (client, subscription, callback) => {
    if (provisioning.has(client))
      return callback(null, subscription.topic === provisioningSubscription ? subscription : null);
    if (deviceSubscriptions.includes(subscription.topic)) {
      const mine = subscriptions.get(client) ?? new Set<string>();
      subscriptions.set(client, mine.add(subscription.topic));
      return callback(null, subscription);
    }
    options.log(
      `MQTT: ${client.id} subscribed to ${subscription.topic}: cloud-to-device messages are not emulated; refused`,
    );
    callback(null, null);
  };

  const sockets = new Set<tls.TLSSocket>();
  const server = tls.createServer(
    { cert: options.certificates.certPem, key: options.certificates.keyPem },
    (socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      broker.handle(socket);
    },
  );
  const boundPort = await listen(server, port, 'IoT Hub MQTT');
  return {
    port: boundPort,
    channels,
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Connected devices are cut, as a restart of the hub would.
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

/**
 * The `model-id` an IoT Plug and Play device names after the api-version in its user name
 * (`api-version=...&model-id=dtmi:...`; the SDK does not escape it).
 * https://learn.microsoft.com/azure/iot/concepts-developer-guide-device#model-id-announcement
 */
function announcedModel(query: string): string | undefined {
  const pair = query
    .replace(/^\?/, '')
    .split('&')
    .find((part) => part.startsWith('model-id='));
  if (pair === undefined) return undefined;
  const value = pair.slice('model-id='.length);
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

// System properties a device may set in the property bag, as the hub names them on the message.
const systemProperties: Readonly<Record<string, string>> = {
  '$.mid': 'message-id',
  '$.cid': 'correlation-id',
  '$.uid': 'user-id',
  '$.to': 'to',
  '$.ct': 'content-type',
  '$.ce': 'content-encoding',
  '$.exp': 'absolute-expiry-time',
  '$.ctime': 'iothub-creation-time-utc',
};

/** `key=value&...` after the events topic: application properties, and `$.`-prefixed system ones. */
function readPropertyBag(
  bag: string,
): { properties: Record<string, string>; system: Record<string, string> } | { problem: string } {
  const properties: Record<string, string> = {};
  const system: Record<string, string> = {};
  const decode = (text: string) => {
    try {
      return decodeURIComponent(text);
    } catch {
      return undefined;
    }
  };
  for (const pair of bag.split('&')) {
    if (pair === '') continue;
    const at = pair.indexOf('=');
    const key = decode(at < 0 ? pair : pair.slice(0, at));
    const value = at < 0 ? '' : decode(pair.slice(at + 1));
    if (key === undefined || value === undefined)
      return {
        problem: `the property bag has a malformed percent-escape in "${pair.slice(0, 80)}"`,
      };
    const systemName = systemProperties[key];
    if (systemName) system[systemName] = value;
    else if (!key.startsWith('$.')) properties[key] = value;
  }
  return { properties, system };
}

/** Answers a DPS request straight to the client that sent it; false if it is none. */
function answerProvisioning(
  provisioning: ReturnType<typeof createProvisioningMqtt>,
  session: ProvisioningSession,
  client: Client,
  packet: { readonly topic: string; readonly payload: Buffer | string },
): boolean {
  return provisioning.publish(session, packet.topic, asBuffer(packet.payload), (topic, body) =>
    publishTo(client, topic, Buffer.from(JSON.stringify(body))),
  );
}

/** Sends one message to one connection, at most once, as the hub sends to devices. */
function publishTo(client: Client, topic: string, payload: Buffer): void {
  client.publish(
    { cmd: 'publish', topic, payload, qos: 0, retain: false, dup: false },
    () => undefined,
  );
}

function asBuffer(payload: Buffer | string): Buffer {
  return Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
}
