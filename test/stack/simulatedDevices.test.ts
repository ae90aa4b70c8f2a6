import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalCloud, startLocalCloud } from '../../dev/localCloud';
import type { DeviceState } from '../../functions/src/telemetry/deviceState';
import { runSimulation } from '../../simulator/deviceSimulator';
import { clientToken } from '../../tools/tokens';
import { apiCalls } from '../support/apiCalls';

// The simulator's SDK devices act on their twin and methods as firmware would, seen only through
// fieldline's API: reported properties, a desired interval they follow, reboot and diagnostics.

let stack: LocalCloud;
let reader: string;
let operator: string;
const stopSimulation = new AbortController();
let simulation: ReturnType<typeof runSimulation>;

beforeAll(async () => {
  stack = await startLocalCloud({ log: () => undefined });
  reader = await clientToken(stack.endpoints.identity, 'Fleet.Read');
  operator = await clientToken(stack.endpoints.identity, 'Fleet.Operate');
  simulation = runSimulation({
    connectionString: stack.endpoints.iotHub.connectionString,
    localHub: stack.endpoints.iotHub,
    transport: 'mqtt',
    devices: 2,
    rate: 5,
    devicePrefix: 'firmware',
    signal: stopSimulation.signal,
  });
});
afterAll(async () => {
  stopSimulation.abort();
  await simulation?.catch(() => undefined);
  await stack?.stop();
});

const api = apiCalls<Record<string, unknown>>(() => stack.endpoints.apiBaseUrl);

async function stateOf(
  deviceId: string,
  until: (state: DeviceState) => boolean,
): Promise<DeviceState> {
  const deadline = Date.now() + 20_000;
  let state: DeviceState | undefined;
  while (Date.now() < deadline) {
    const response = await api(reader, 'GET', `/devices/${deviceId}`);
    if (response.status === 200) {
      state = response.body as unknown as DeviceState;
      if (until(state)) return state;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${deviceId} never reached the state: ${JSON.stringify(state)}`);
}

describe('simulated SDK devices on their twins and methods', () => {
  it('report firmware and battery, and follow a desired sampleIntervalSeconds', async () => {
    const state = await stateOf(
      'firmware-001',
      (s) => s.reported?.properties.firmware !== undefined && s.count > 0,
    );
    expect(state.reported?.properties).toMatchObject({
      firmware: '1.4.2',
      battery: expect.any(Number),
    });
    expect(state.connection?.state).toBe('connected');

    expect(
      (
        await api(operator, 'PATCH', '/devices/firmware-001/twin/desired', {
          sampleIntervalSeconds: 3600,
        })
      ).status,
    ).toBe(200);
    const following = await stateOf(
      'firmware-001',
      (s) => s.reported?.properties.sampleIntervalSeconds === 3600,
    );
    // An hour apart now: at most the reading in flight when the change arrived follows it.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const later = await stateOf('firmware-001', () => true);
    expect(later.count - following.count).toBeLessThanOrEqual(1);
    // The other device keeps its pace.
    const other = await stateOf('firmware-002', () => true);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect((await stateOf('firmware-002', () => true)).count).toBeGreaterThan(other.count);
  }, 40_000);

  it('answer getDiagnostics, and reboot: they drop the connection and come back', async () => {
    const diagnostics = await api(
      operator,
      'POST',
      '/devices/firmware-002/commands/getDiagnostics',
      {},
    );
    expect(diagnostics.status).toBe(200);
    expect(diagnostics.body).toMatchObject({
      status: 200,
      payload: {
        firmware: '1.4.2',
        battery: expect.any(Number),
        uptimeSeconds: expect.any(Number),
      },
    });
    const before = await stateOf('firmware-002', (s) => s.connection?.state === 'connected');
    const reboot = await api(operator, 'POST', '/devices/firmware-002/commands/reboot', {});
    expect(reboot.body).toMatchObject({ status: 200, payload: { rebooting: true } });
    await stateOf('firmware-002', (s) => s.connection?.state === 'disconnected');
    const back = await stateOf(
      'firmware-002',
      (s) =>
        s.connection?.state === 'connected' &&
        s.connection.since > (before.connection?.since ?? ''),
    );
    const counted = back.count;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect((await stateOf('firmware-002', () => true)).count).toBeGreaterThan(counted);
  }, 40_000);
});
