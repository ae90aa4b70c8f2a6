import { describe, expect, it } from 'vitest';
import type { DeviceState } from '../../../functions/src/telemetry/deviceState';
import type { DeviceStateUpdate } from '../../../functions/src/telemetry/telemetryIngestor';
import { useAzurite } from '../../support/azuriteFixture';
import { broadcastItems, createTestFunctionApp, deviceEvent } from '../../support/testFunctionApp';

// The hub's own events, shaped as a route delivers them to the built-in endpoint:
// https://learn.microsoft.com/azure/iot-hub/iot-hub-non-telemetry-event-schema

const azurite = useAzurite();
let unique = 0;
const newDevice = (label: string) => `${label}-${++unique}-${Date.now().toString(36)}`;

function connectionEvent(deviceId: string, connected: boolean, at: string) {
  return deviceEvent(
    deviceId,
    { sequenceNumber: '000000000000000001D7F744182052B500000002000000000000000000000001' },
    {
      systemProperties: {
        'iothub-connection-device-id': deviceId,
        'iothub-message-source': 'deviceConnectionStateEvents',
      },
      properties: {
        hubName: 'fieldline-hub',
        deviceId,
        opType: connected ? 'deviceConnected' : 'deviceDisconnected',
        operationTimestamp: at,
        'iothub-message-schema': 'deviceConnectionStateNotification',
      },
    },
  );
}

function twinChangeEvent(deviceId: string, section: 'reported' | 'desired', patch: object) {
  return deviceEvent(
    deviceId,
    Buffer.from(JSON.stringify({ version: 7, properties: { [section]: patch } })),
    {
      systemProperties: {
        'iothub-connection-device-id': deviceId,
        'iothub-message-source': 'twinChangeEvents',
      },
      properties: { opType: 'updateTwin', 'iothub-message-schema': 'twinChangeNotification' },
    },
  );
}

async function getDevice(deviceId: string): Promise<DeviceState> {
  const response = await createTestFunctionApp(azurite().connectionString).http('getDevice', {
    path: `devices/${deviceId}`,
    params: { id: deviceId },
  });
  expect(response.status).toBe(200);
  return response.body as DeviceState;
}

describe("ingestTelemetry reads the hub's own events", () => {
  it('keeps the connection state from connection events, and broadcasts it', async () => {
    const fnApp = createTestFunctionApp(azurite().connectionString);
    const deviceId = newDevice('conn');
    const sent = await fnApp.ingest([
      connectionEvent(deviceId, true, '2026-12-04T10:00:00.000Z'),
      deviceEvent(deviceId, { temperature: 20 }),
      connectionEvent(deviceId, false, '2026-12-04T10:05:00.000Z'),
    ]);
    const [update] = broadcastItems<DeviceStateUpdate>(sent, 'deviceState');
    expect(update?.connection).toEqual({
      state: 'disconnected',
      since: '2026-12-04T10:05:00.000Z',
    });
    const state = await getDevice(deviceId);
    expect(state.connection).toEqual({ state: 'disconnected', since: '2026-12-04T10:05:00.000Z' });
    expect(state.count).toBe(1);
    expect(state.rejected).toBe(0);

    await fnApp.ingest([connectionEvent(deviceId, true, '2026-12-04T11:00:00.000Z')]);
    expect((await getDevice(deviceId)).connection).toEqual({
      state: 'connected',
      since: '2026-12-04T11:00:00.000Z',
    });
  });

  it('keeps the reported properties from twin change events, null deleting, and leaves desired changes alone', async () => {
    const fnApp = createTestFunctionApp(azurite().connectionString);
    const deviceId = newDevice('twin');
    await fnApp.ingest([
      twinChangeEvent(deviceId, 'reported', {
        firmware: '1.2.0',
        battery: 81,
        network: { rssi: -60, ssid: 'plant' },
        $version: 2,
        $metadata: { $lastUpdated: '2026-12-04T10:00:00Z' },
      }),
      twinChangeEvent(deviceId, 'desired', { sampleIntervalSeconds: 30, $version: 4 }),
      twinChangeEvent(deviceId, 'reported', {
        battery: null,
        network: { ssid: null },
        $version: 3,
      }),
    ]);
    const state = await getDevice(deviceId);
    expect(state.reported).toMatchObject({
      version: 3,
      properties: { firmware: '1.2.0', network: { rssi: -60 } },
    });
    expect(Object.keys(state.reported?.lastUpdated ?? {}).sort()).toEqual(['firmware', 'network']);
    expect(state.lastSeen).toBeNull();
    expect(state.count).toBe(0);
  });

  it('never takes a hub event for a rejected reading', async () => {
    const fnApp = createTestFunctionApp(azurite().connectionString);
    const deviceId = newDevice('norej');
    const sent = await fnApp.ingest([
      connectionEvent(deviceId, true, '2026-12-04T10:00:00.000Z'),
      twinChangeEvent(deviceId, 'reported', { firmware: '2.0.0', $version: 2 }),
      // A hub event fieldline does not read, and one whose body is broken: passed over.
      deviceEvent(deviceId, 'not json', {
        systemProperties: {
          'iothub-connection-device-id': deviceId,
          'iothub-message-source': 'twinChangeEvents',
        },
      }),
      deviceEvent(deviceId, '{}', {
        systemProperties: {
          'iothub-connection-device-id': deviceId,
          'iothub-message-source': 'deviceLifecycleEvents',
        },
      }),
    ]);
    expect(broadcastItems(sent, 'telemetryRejected')).toEqual([]);
    const rejections = await fnApp.http('listRejections', {
      path: 'rejections',
      url: `http://localhost:7071/api/rejections?deviceId=${deviceId}`,
    });
    expect(rejections.body).toEqual([]);
    expect((await getDevice(deviceId)).rejected).toBe(0);
  });

  it('changes nothing twice when a batch of hub events is replayed', async () => {
    const fnApp = createTestFunctionApp(azurite().connectionString);
    const deviceId = newDevice('replay');
    const connected = connectionEvent(deviceId, true, '2026-12-04T10:00:00.000Z');
    const reported = twinChangeEvent(deviceId, 'reported', { battery: 50, $version: 2 });
    const disconnected = connectionEvent(deviceId, false, '2026-12-04T10:01:00.000Z');
    const later = twinChangeEvent(deviceId, 'reported', { battery: 40, $version: 3 });
    await fnApp.ingest([connected, reported, disconnected, later]);
    const first = await getDevice(deviceId);

    // The same batch again, then its first half on its own: the hub redelivers from a checkpoint.
    await fnApp.ingest([connected, reported, disconnected, later]);
    await fnApp.ingest([connected, reported]);
    const replayed = await getDevice(deviceId);
    expect(replayed.connection).toEqual({
      state: 'disconnected',
      since: '2026-12-04T10:01:00.000Z',
    });
    expect(replayed.reported).toEqual(first.reported);
    expect(replayed.reported?.properties).toEqual({ battery: 40 });
  });
});
