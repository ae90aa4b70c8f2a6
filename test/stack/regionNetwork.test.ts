import type { HubConnection } from '@microsoft/signalr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalCloud, startLocalCloud } from '../../dev/localCloud';
import type { DeviceStateUpdate } from '../../functions/src/telemetry/telemetryIngestor';
import { runSimulation } from '../../simulator/deviceSimulator';
import { connectAsDashboard } from '../support/dashboardConnection';

let stack: LocalCloud;
let client: HubConnection;
const updates: DeviceStateUpdate[] = [];

beforeAll(async () => {
  stack = await startLocalCloud({ log: () => undefined, rttMs: 20 });
  ({ connection: client } = await connectAsDashboard(stack, {
    deviceState: (batch: DeviceStateUpdate[]) => updates.push(...batch),
  }));
});

afterAll(async () => {
  await client?.stop();
  await stack?.stop();
});

describe('the local cloud behind a region network (rttMs)', () => {
  it("sends the function app's storage, SignalR and MongoDB requests across the network, and still delivers every reading", async () => {
    const summary = await runSimulation({
      connectionString: stack.endpoints.iotHub.connectionString,
      localHub: stack.endpoints.iotHub,
      devices: 3,
      rate: 20,
      messages: 30,
      badShare: 0,
      random: () => 0.5,
    });
    expect(summary).toMatchObject({ accepted: 30, failed: 0 });
    const deadline = Date.now() + 15_000;
    const delivered = () => updates.reduce((sum, update) => sum + update.history.length, 0);
    while (delivered() < 30 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(delivered()).toBe(30);

    const network = stack.network;
    if (!network) throw new Error('the stack was asked for a network and has none');
    expect(network.rttMs).toBe(20);
    const requests = network.requests();
    const through = (framing: string, port: number | undefined) =>
      requests[`${framing}:${port}`] ?? 0;
    expect(through('http', stack.azurite.tablePort)).toBeGreaterThan(0);
    expect(through('http', stack.signalR.port)).toBeGreaterThan(0);
    expect(through('mongodb', stack.mongo?.port)).toBeGreaterThan(0);
  });
});
