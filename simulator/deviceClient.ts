import https from 'node:https';

/** What a device on the local cloud needs beyond its connection string. */
export interface LocalDeviceTls {
  /** The local CA, given to the SDK's `ca` option. */
  readonly ca: string;
  /** The hub's HTTPS port: 443, or a free one when 443 could not be had. */
  readonly httpsPort: number;
}

export interface OpenDeviceClient {
  sendEvent(body: string, properties: Record<string, string>): Promise<void>;
  close(): Promise<void>;
  /** The SDK's client, for its twin and direct methods (MQTT only: the HTTP transport has neither). */
  readonly sdk: import('azure-iot-device').Client;
  /** Opens the client again, after the device dropped its connection (a reboot). */
  reopen(): Promise<void>;
}

/**
 * A device on Microsoft's device SDK (`azure-iot-device`), over MQTT or HTTPS, connected.
 *
 * Against the local cloud it trusts the local CA through the SDK's `ca` option. MQTT reaches the
 * local port through the connection string's `GatewayHostName`. The HTTP transport sends to the
 * hub's host name and takes no port, so when the local hub's HTTPS door is not on 443 it gets
 * there through the SDK's `http.agent` option, with an agent that connects to that port.
 */
export async function openDeviceClient(
  transport: 'mqtt' | 'https',
  connectionString: string,
  local?: LocalDeviceTls,
  /** The IoT Plug and Play model the device announces when it connects (MQTT). */
  modelId?: string,
): Promise<OpenDeviceClient> {
  // CommonJS packages: Node's import finds some named exports and not others (Message).
  const deviceSdk = await import('azure-iot-device');
  const { Client, Message } = (deviceSdk.default ?? deviceSdk) as typeof deviceSdk;
  const transportCtor = transport === 'mqtt' ? (await loadMqtt()).Mqtt : (await loadHttp()).Http;
  const client = Client.fromConnectionString(connectionString, transportCtor);
  const tlsOptions =
    local && (transport === 'https' ? httpTransportOptions(local) : { ca: local.ca });
  if (tlsOptions || modelId)
    await client.setOptions({ ...tlsOptions, ...(modelId ? { modelId } : {}) });
  await client.open();
  return {
    async sendEvent(body, properties) {
      const message = new Message(body);
      message.contentType = 'application/json';
      for (const [name, value] of Object.entries(properties)) message.properties.add(name, value);
      await client.sendEvent(message);
    },
    async close() {
      await client.close();
    },
    sdk: client,
    async reopen() {
      await client.open();
    },
  };
}

async function loadMqtt() {
  const module = await import('azure-iot-device-mqtt');
  return (module.default ?? module) as typeof module;
}

async function loadHttp() {
  const module = await import('azure-iot-device-http');
  return (module.default ?? module) as typeof module;
}

/**
 * The device HTTP transport's options for the local cloud. Its `setOptions` calls back only when
 * `http.receivePolicy` is among them (azure-iot-device-http 1.14.4, `Http.setOptions`), so one is
 * always given: polling for cloud-to-device messages left to the caller, as the stand-in has none.
 */
export function httpTransportOptions(local: LocalDeviceTls) {
  return {
    ca: local.ca,
    http: {
      receivePolicy: { manualPolling: true },
      ...(local.httpsPort === 443 ? {} : { agent: agentToPort(local.httpsPort, local.ca) }),
    },
  };
}

/**
 * An HTTPS agent that connects to `port` whatever port a request names (Node documents
 * `agent.createConnection` as the place to do that), keeping connections alive as a device would.
 */
export function agentToPort(port: number, ca: string): https.Agent {
  const agent = new https.Agent({ keepAlive: true, ca });
  const connect = agent.createConnection.bind(agent);
  agent.createConnection = (options, callback) => connect({ ...options, port }, callback);
  return agent;
}
