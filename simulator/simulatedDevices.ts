import { sasToken } from '../functions/src/hosting';
import type { parseIotHubConnectionString } from '../tools/iotHubConnectionString';
import { type DeviceBehaviour, startDeviceBehaviour } from './deviceBehaviour';
import { type LocalDeviceTls, openDeviceClient } from './deviceClient';
import type { SimulationOptions } from './deviceSimulator';
import { provisionDevice } from './provisionedDevices';
import { startThermostat, type Thermostat, thermostatModelId } from './thermostatBehaviour';

// The simulator's devices: registered through the registry API, each with its way of sending
// (the REST API with a device SAS, or Microsoft's device SDK) and, on MQTT, its twin and methods.

const apiVersion = '2021-04-12';

/** Registers each device (or finds it) through the registry API, then connects it as it sends. */
export async function connectDevices(
  ids: readonly string[],
  options: SimulationOptions,
  at: {
    readonly hub: ReturnType<typeof parseIotHubConnectionString>;
    readonly base: string;
    readonly tls: LocalDeviceTls | undefined;
    readonly random: () => number;
  },
) {
  const { hub, base, tls, random } = at;
  const expiresAt = () => Math.floor(Date.now() / 1000) + 3600;
  const serviceToken = sasToken({
    resourceUri: hub.hostName,
    key: hub.sharedAccessKey,
    ...(hub.sharedAccessKeyName ? { policyName: hub.sharedAccessKeyName } : {}),
    expiresAt: expiresAt(),
  });

  const state = () => ({
    temperature: 18 + random() * 6,
    humidity: 40 + random() * 20,
    pressure: 1000 + random() * 25,
  });
  const { provision } = options;
  if (provision)
    // Zero-touch: each device registers itself with DPS and connects to the hub it is given.
    return mapLimit(ids, 16, async (registrationId) => {
      const { hostName, deviceId, key } = await provisionDevice(provision, registrationId);
      const token = sasToken({
        resourceUri: `${hostName}/devices/${deviceId}`,
        key,
        expiresAt: expiresAt(),
      });
      return {
        deviceId,
        token,
        send: await deviceSender(options, hostName, base, deviceId, key, token, tls),
        state: state(),
      };
    });

  return mapLimit(ids, 16, async (deviceId) => {
    const url = `${base}/devices/${encodeURIComponent(deviceId)}?api-version=${apiVersion}`;
    const headers = { authorization: serviceToken, 'content-type': 'application/json' };
    let response = await fetch(url, { method: 'PUT', headers, body: JSON.stringify({ deviceId }) });
    if (response.status === 409) response = await fetch(url, { headers });
    if (!response.ok)
      throw new Error(
        `registering ${deviceId} failed: ${response.status} ${await response.text()}`,
      );
    const identity = (await response.json()) as {
      authentication: { symmetricKey: { primaryKey: string } };
    };
    const key = identity.authentication.symmetricKey.primaryKey;
    const token = sasToken({
      resourceUri: `${hub.hostName}/devices/${deviceId}`,
      key,
      expiresAt: expiresAt(),
    });
    return {
      deviceId,
      token,
      send: await deviceSender(options, hub.hostName, base, deviceId, key, token, tls),
      state: state(),
    };
  });
}

type DeviceSend = ((
  body: string,
  properties: Record<string, string>,
) => Promise<{ ok: true } | { ok: false; error: string }>) & {
  close(): Promise<void>;
  /** What the device does through its twin and methods, when it has them. */
  readonly behaviour?: DeviceBehaviour;
  /** The thermostat it announces, when it was provisioned as one. */
  readonly thermostat?: Thermostat;
};

/** One device's way of sending, by transport; an SDK device is connected before the clock starts. */
async function deviceSender(
  options: SimulationOptions,
  hostName: string,
  base: string,
  deviceId: string,
  key: string,
  token: string,
  tls: LocalDeviceTls | undefined,
): Promise<DeviceSend> {
  const transport = options.transport ?? 'rest';
  if (transport === 'rest') {
    const send = async (body: string, properties: Record<string, string>) => {
      const response = await fetch(
        `${base}/devices/${encodeURIComponent(deviceId)}/messages/events?api-version=${apiVersion}`,
        {
          method: 'POST',
          headers: {
            authorization: token,
            'content-type': 'application/json',
            ...Object.fromEntries(
              Object.entries(properties).map(([name, value]) => [`iothub-app-${name}`, value]),
            ),
          },
          body,
        },
      );
      return response.status === 204
        ? ({ ok: true } as const)
        : ({
            ok: false,
            error: `${response.status} ${(await response.text()).slice(0, 160)}`,
          } as const);
    };
    return Object.assign(send, { close: async () => undefined });
  }
  const local = options.localHub;
  const modelId = options.provision?.modelId;
  const client = await openDeviceClient(
    transport,
    `HostName=${hostName};DeviceId=${deviceId};SharedAccessKey=${key}${local ? `;GatewayHostName=${local.mqtt.gatewayHostName}` : ''}`,
    local && tls,
    modelId,
  );
  options.onConnected?.(deviceId, client);
  const send = async (body: string, properties: Record<string, string>) => {
    try {
      await client.sendEvent(body, properties);
      return { ok: true } as const;
    } catch (error) {
      return { ok: false, error: error instanceof Error ? error.message : String(error) } as const;
    }
  };
  const behaviour =
    transport === 'mqtt' && options.twins !== false
      ? await startDeviceBehaviour(client.sdk, { reconnect: () => client.reopen() })
      : undefined;
  const thermostat =
    transport === 'mqtt' && modelId === thermostatModelId
      ? await startThermostat(client.sdk, new Date())
      : undefined;
  return Object.assign(send, {
    close: async () => {
      behaviour?.stop();
      await client.close().catch(() => undefined);
    },
    ...(behaviour ? { behaviour } : {}),
    ...(thermostat ? { thermostat } : {}),
  });
}

export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  map: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await map(items[index] as T);
      }
    }),
  );
  return results;
}
