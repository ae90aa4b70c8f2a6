import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { HubConnection } from '@microsoft/signalr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalCloud, startLocalCloud } from '../../dev/localCloud';
import type { DeviceState } from '../../functions/src/telemetry/deviceState';
import type { Rejection } from '../../functions/src/telemetry/rejection';
import type { DeviceStateUpdate } from '../../functions/src/telemetry/telemetryIngestor';
import { seededRandom } from '../../harness/random';
import { runSimulation } from '../../simulator/deviceSimulator';
import { connectAsDashboard } from '../support/dashboardConnection';

let stack: LocalCloud;
let stateDir: string;
let client: HubConnection;
let reader: string;
const updates: DeviceStateUpdate[] = [];
const rejections: Rejection[] = [];

beforeAll(async () => {
  stateDir = await mkdtemp(path.join(os.tmpdir(), 'fieldline-state-'));
  stack = await startLocalCloud({ log: () => undefined, stateDir });
  // Exactly as a dashboard connects: negotiate at the function app with a Fleet.Read token, then
  // follow its redirect to the service.
  ({ connection: client, reader } = await connectAsDashboard(stack, {
    deviceState: (batch: DeviceStateUpdate[]) => updates.push(...batch),
    telemetryRejected: (batch: Rejection[]) => rejections.push(...batch),
  }));
});

afterAll(async () => {
  await client?.stop();
  await stack?.stop();
  await rm(stateDir, { recursive: true, force: true });
});

describe('the local cloud end to end', () => {
  it('carries simulated devices through the hub, ingestTelemetry and storage to a SignalR client, exactly', async () => {
    const summary = await runSimulation({
      connectionString: stack.endpoints.iotHub.connectionString,
      localHub: stack.endpoints.iotHub,
      devices: 8,
      rate: 25,
      messages: 400,
      badShare: 0.1,
      random: seededRandom(7),
    });
    expect(summary).toMatchObject({ sent: 400, accepted: 400, failed: 0 });
    const good = [...summary.perDevice.values()].reduce((sum, d) => sum + d.good, 0);
    const bad = [...summary.perDevice.values()].reduce((sum, d) => sum + d.bad, 0);
    expect(bad).toBeGreaterThan(0);

    const deadline = Date.now() + 20_000;
    let states: DeviceState[] = [];
    for (;;) {
      states = (await (
        await fetch(`${stack.endpoints.apiBaseUrl}/devices?history=0`, {
          headers: { authorization: `Bearer ${reader}` },
        })
      ).json()) as DeviceState[];
      const total = states.reduce((sum, s) => sum + s.count + s.rejected, 0);
      if (total === 400 || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    for (const [deviceId, expected] of summary.perDevice) {
      expect(states.find((s) => s.deviceId === deviceId)).toMatchObject({
        count: expected.good,
        rejected: expected.bad,
      });
    }

    // Every accepted reading and every rejection reached the live client.
    const deadlineLive = Date.now() + 5000;
    const livePoints = () =>
      new Set(updates.flatMap((u) => u.history.map((p) => `${u.deviceId}/${p.seq}@${p.t}`))).size;
    while ((livePoints() < good || rejections.length < bad) && Date.now() < deadlineLive) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(livePoints()).toBe(good);
    expect(new Set(rejections.map((r) => `${r.partitionId}/${r.sequenceNumber}`)).size).toBe(bad);
  });

  it('writes local.json with every endpoint, connection string and key a tool needs', async () => {
    const written = JSON.parse(await readFile(path.join(stateDir, 'local.json'), 'utf8'));
    expect(written).toEqual(stack.endpoints);
    expect(written.iotHub.connectionString).toMatch(
      /^HostName=localhost;SharedAccessKeyName=fieldline-local;SharedAccessKey=.+$/,
    );
    expect(written.storage.connectionString).toContain('TableEndpoint=http://127.0.0.1:');
    expect(written.signalR.connectionString).toMatch(
      /^Endpoint=http:\/\/127\.0\.0\.1:\d+;AccessKey=.+;Version=1\.0;$/,
    );
    expect(written.apiBaseUrl).toBe(`${stack.host.baseUrl}/api`);
    expect(written.functions).toEqual({ masterKey: stack.keys.masterKey });
    expect(written.search).toEqual({
      endpoint: stack.endpoints.search.endpoint,
      apiKey: expect.any(String),
    });
    // The local issuer: one client per role, and the users the dashboard can sign in as.
    expect(written.identity).toMatchObject({
      issuer: stack.identity.issuer,
      audience: 'api://fieldline-local',
      dashboardClientId: 'fieldline-dashboard',
    });
    expect(written.identity.clients.map((c: { roles: string[] }) => c.roles[0])).toEqual([
      'Fleet.Read',
      'Fleet.Operate',
      'Fleet.Admin',
      'Users.Manage',
      'Catalog.Manage',
    ]);
    expect(written.identity.users.map((u: { username: string }) => u.username)).toEqual(
      expect.arrayContaining(['operator', 'viewer', 'alice', 'bob', 'carol']),
    );
    const keysFile = JSON.parse(await readFile(path.join(stateDir, 'keys.json'), 'utf8'));
    expect(keysFile.masterKey).toBe(stack.keys.masterKey);
  });
});
