import { readFile } from 'node:fs/promises';
import type { HubConnection } from '@microsoft/signalr';
import { Client, Message } from 'azure-iot-device';
import { Mqtt } from 'azure-iot-device-mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalCloud, startLocalCloud } from '../../dev/localCloud';
import type { DeviceStateUpdate } from '../../functions/src/telemetry/telemetryIngestor';
import { runSimulation } from '../../simulator/deviceSimulator';
import { clientToken } from '../../tools/tokens';
import { connectAsDashboard } from '../support/dashboardConnection';

let stack: LocalCloud;
let dashboard: HubConnection;
let reader: string;
const live: DeviceStateUpdate[] = [];

beforeAll(async () => {
  stack = await startLocalCloud({ log: () => undefined });
  ({ connection: dashboard, reader } = await connectAsDashboard(stack, {
    deviceState: (batch: DeviceStateUpdate[]) => live.push(...batch),
  }));
});
afterAll(async () => {
  await dashboard?.stop();
  await stack?.stop();
});

describe('the local cloud with a device written against the Azure IoT device SDK (MQTT)', () => {
  it('registers the device, and its telemetry from the SDK reaches the API and a live dashboard', async () => {
    const operator = await clientToken(stack.endpoints.identity, 'Fleet.Operate');
    const registered = await fetch(`${stack.endpoints.apiBaseUrl}/devices`, {
      method: 'POST',
      headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' },
      body: JSON.stringify({ deviceId: 'raspberry-pi' }),
    });
    expect(registered.status).toBe(201);
    const { connectionString } = (await registered.json()) as { connectionString: string };
    expect(connectionString).toContain(
      `;GatewayHostName=${stack.endpoints.iotHub.mqtt.gatewayHostName}`,
    );

    // What a device script does: the connection string as handed out, and the local CA trusted.
    const client = Client.fromConnectionString(connectionString, Mqtt);
    await client.setOptions({ ca: await readFile(stack.endpoints.iotHub.caPath, 'utf8') });
    await client.open();
    try {
      const message = new Message(
        JSON.stringify({
          messageId: 1,
          deviceId: 'Raspberry Pi Web Client',
          temperature: 24.5,
          humidity: 51,
        }),
      );
      message.properties.add('temperatureAlert', 'false');
      await client.sendEvent(message);
    } finally {
      await client.close();
    }

    const deadline = Date.now() + 10_000;
    let state: { count?: number; temperature?: number } = {};
    while (Date.now() < deadline) {
      const response = await fetch(`${stack.endpoints.apiBaseUrl}/devices/raspberry-pi`, {
        headers: { authorization: `Bearer ${reader}` },
      });
      if (response.status === 200) {
        state = (await response.json()) as typeof state;
        if (state.count === 1 && live.some((u) => u.deviceId === 'raspberry-pi' && u.count === 1))
          break;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(state).toMatchObject({ count: 1, temperature: 24.5 });
    // The device's connect comes first, as a state of its own; its reading follows.
    expect(live.find((u) => u.deviceId === 'raspberry-pi' && u.count === 1)).toMatchObject({
      temperature: 24.5,
      humidity: 51,
    });
  });

  it("keeps the hub's own events (connect, twin report, disconnect) as the device's state, never as readings", async () => {
    const operator = await clientToken(stack.endpoints.identity, 'Fleet.Operate');
    const registered = await fetch(`${stack.endpoints.apiBaseUrl}/devices`, {
      method: 'POST',
      headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' },
      body: JSON.stringify({ deviceId: 'twin-reporter' }),
    });
    const { connectionString } = (await registered.json()) as { connectionString: string };
    const client = Client.fromConnectionString(connectionString, Mqtt);
    await client.setOptions({ ca: await readFile(stack.endpoints.iotHub.caPath, 'utf8') });
    await client.open();
    const twin = await client.getTwin();
    await new Promise<void>((resolve, reject) =>
      twin.properties.reported.update({ firmware: '1.0.0' }, (error?: Error) =>
        error ? reject(error) : resolve(),
      ),
    );
    await client.sendEvent(new Message(JSON.stringify({ temperature: 20.5 })));
    await client.close();
    const { log } = stack.iotHub;
    const logged = () =>
      log
        .read(log.partitionFor('twin-reporter'), -1, 100)
        .map((event) => event.systemProperties['iothub-message-source']);
    const deadline = Date.now() + 10_000;
    let state: Partial<DeviceStateUpdate> = {};
    while (Date.now() < deadline) {
      const response = await fetch(`${stack.endpoints.apiBaseUrl}/devices/twin-reporter`, {
        headers: { authorization: `Bearer ${reader}` },
      });
      if (response.status === 200) state = (await response.json()) as typeof state;
      if (
        state.count === 1 &&
        state.connection?.state === 'disconnected' &&
        live.some((u) => u.deviceId === 'twin-reporter' && u.connection?.state === 'disconnected')
      )
        break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // The log has the connect, the twin change, the reading and the disconnect.
    expect(new Set(logged())).toEqual(
      new Set(['deviceConnectionStateEvents', 'twinChangeEvents', 'Telemetry']),
    );
    expect(state.count).toBe(1);
    // The connection state comes from the hub's events, and the reported properties from its twin
    // change event, in the API and to a live dashboard.
    expect(state.connection).toEqual({ state: 'disconnected', since: expect.any(String) });
    expect(state.reported).toMatchObject({ properties: { firmware: '1.0.0' } });
    expect(live.filter((u) => u.deviceId === 'twin-reporter').at(-1)?.reported?.properties).toEqual(
      { firmware: '1.0.0' },
    );
    // Ingest has read past all four by now (the reading is after the twin change); none is a rejection.
    const rejections = await fetch(
      `${stack.endpoints.apiBaseUrl}/rejections?deviceId=twin-reporter`,
      {
        headers: { authorization: `Bearer ${reader}` },
      },
    );
    const rejected = (await rejections.json()) as { deviceId?: string }[];
    expect(rejected.filter((r) => r.deviceId === 'twin-reporter')).toEqual([]);
  });

  it.each(['mqtt', 'https'] as const)(
    "drives the simulator through the device SDK over %s: every message accepted, counted once, with the Pi's temperatureAlert",
    async (transport) => {
      const summary = await runSimulation({
        connectionString: stack.endpoints.iotHub.connectionString,
        localHub: stack.endpoints.iotHub,
        transport,
        devices: 3,
        rate: 20,
        messages: 60,
        badShare: 0,
        devicePrefix: `${transport}-sim`,
        random: () => 0.5,
      });
      expect(summary).toMatchObject({ sent: 60, accepted: 60, failed: 0 });
      const events = [0, 1, 2, 3].flatMap((partition) =>
        stack.iotHub.log
          .read(partition, -1, 10_000)
          // The readings: MQTT devices' connection events share the log.
          .filter(
            (e) =>
              String(e.systemProperties?.['iothub-connection-device-id']).startsWith(
                `${transport}-sim`,
              ) && e.systemProperties?.['iothub-message-source'] === 'Telemetry',
          ),
      );
      expect(events).toHaveLength(60);
      expect(events.every((e) => e.properties?.temperatureAlert === 'false')).toBe(true);
    },
  );
});
