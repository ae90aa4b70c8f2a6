import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { spawnEmulator } from '@fieldline/emulator-kit';
import { anHourFromNow, ConnectionString, SharedAccessSignature } from 'azure-iot-common';
import { Client, Message } from 'azure-iot-device';
import { Mqtt } from 'azure-iot-device-mqtt';
import { describe, expect, it } from 'vitest';
import { start } from './index';

const bin = path.resolve(__dirname, '../bin/fieldline-iothub.cjs');

/** Registers a device over REST, signed by azure-iot-common (the SDKs' signer), and sends it a message over MQTT. */
async function registerAndSend(urls: Readonly<Record<string, string>>, deviceId: string) {
  const service = ConnectionString.parse(urls.connectionString as string);
  const token = SharedAccessSignature.create(
    service.HostName as string,
    service.SharedAccessKeyName as string,
    service.SharedAccessKey as string,
    anHourFromNow(),
  ).toString();
  const created = await fetch(`${urls.http}/devices/${deviceId}?api-version=2021-04-12`, {
    method: 'PUT',
    headers: { authorization: token, 'content-type': 'application/json' },
    body: JSON.stringify({ deviceId }),
  });
  const device = (await created.json()) as {
    authentication: { symmetricKey: { primaryKey: string } };
  };
  const mqttPort = new URL(urls.mqtts as string).port;
  const client = Client.fromConnectionString(
    `HostName=${service.HostName};DeviceId=${deviceId};SharedAccessKey=${device.authentication.symmetricKey.primaryKey};GatewayHostName=127.0.0.1:${mqttPort}`,
    Mqtt,
  );
  await client.setOptions({ ca: await readFile(urls.caPath as string, 'utf8') });
  await client.open();
  try {
    await client.sendEvent(new Message('{"temperature":21.5}'));
  } finally {
    await client.close();
  }
  return created.status;
}

describe('the IoT Hub emulator on its own', () => {
  it('start() registers a device for a service token and takes its telemetry over MQTT', async () => {
    const hub = await start();
    try {
      expect(await registerAndSend(hub.urls, 'sensor-1')).toBe(200);
      const unsigned = await fetch(`${hub.urls.http}/devices/sensor-1?api-version=2021-04-12`);
      expect(unsigned.status).toBe(401);
      expect(unsigned.headers.get('iothub-errorcode')).toBe('IotHubUnauthorizedAccess');
    } finally {
      await hub.stop();
    }
  });

  it('its bin prints every endpoint, serves them, and exits cleanly on SIGINT', async () => {
    const running = await spawnEmulator(bin, ['--port', '0'], 5);
    expect(Object.keys(running.urls).sort()).toEqual([
      'caPath',
      'connectionString',
      'http',
      'https',
      'mqtts',
    ]);
    expect(await registerAndSend(running.urls, 'sensor-2')).toBe(200);
    expect(await running.stop()).toBe(0);
  });
});
