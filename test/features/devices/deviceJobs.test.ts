import { readFile } from 'node:fs/promises';
import { Client, type DeviceMethodRequest, type DeviceMethodResponse } from 'azure-iot-device';
import { Mqtt } from 'azure-iot-device-mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalCloud, startLocalCloud } from '../../../dev/localCloud';
import { clientToken } from '../../../tools/tokens';
import { apiCalls } from '../../support/apiCalls';

// Jobs over many devices through fieldline's API and the hub's job engine, tags mirrored into
// twins so a job can select them, and the activity audit; devices are SDK clients.

let stack: LocalCloud;
let reader: string;
let operator: string;
const clients: Client[] = [];

beforeAll(async () => {
  stack = await startLocalCloud({ log: () => undefined });
  reader = await clientToken(stack.endpoints.identity, 'Fleet.Read');
  operator = await clientToken(stack.endpoints.identity, 'Fleet.Operate');
});
afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
  await stack?.stop();
});

interface JobBody {
  jobId: string;
  status: string;
  counts: { total: number; succeeded: number; failed: number; pending: number };
  failures: { deviceId: string; code: string }[];
  error: { code: string };
}

const api = apiCalls<JobBody>(() => stack.endpoints.apiBaseUrl);

async function register(deviceId: string, tags: string[], connect: boolean) {
  const registered = await api(operator, 'POST', '/devices', { deviceId });
  expect(registered.status).toBe(201);
  if (tags.length > 0)
    expect((await api(operator, 'PUT', `/devices/${deviceId}/tags`, { tags })).status).toBe(200);
  if (!connect) return undefined;
  const { connectionString } = registered.body as unknown as { connectionString: string };
  const client = Client.fromConnectionString(connectionString, Mqtt);
  await client.setOptions({ ca: await readFile(stack.endpoints.iotHub.caPath, 'utf8') });
  await client.open();
  clients.push(client);
  return client;
}

async function finished(jobId: string): Promise<JobBody> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const job = await api(reader, 'GET', `/jobs/${jobId}`);
    expect(job.status).toBe(200);
    if (['completed', 'failed', 'cancelled'].includes(job.body.status) || Date.now() > deadline)
      return job.body;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('jobs through the API', () => {
  it("mirrors a device's tags into its twin, and sets desired properties on every device with a tag", async () => {
    const heard: string[] = [];
    for (const deviceId of ['cold-1', 'cold-2']) {
      const client = await register(deviceId, ['cold-room'], true);
      const twin = await client?.getTwin();
      twin?.on('properties.desired', (desired: Record<string, unknown>) => {
        if (desired.setpoint === 4) heard.push(deviceId);
      });
    }
    await register('warm-1', ['warm-room'], false);
    const twin = await api(reader, 'GET', '/devices/cold-1/twin');
    expect((twin.body as unknown as { tags: Record<string, unknown> }).tags).toEqual({
      fieldlineTags: ['cold-room'],
    });

    const created = await api(operator, 'POST', '/jobs', {
      target: { tag: 'cold-room' },
      desired: { setpoint: 4 },
    });
    expect(created.status).toBe(202);
    expect(created.body.jobId).toMatch(/^fl-/);
    const job = await finished(created.body.jobId);
    expect(job).toMatchObject({
      status: 'completed',
      counts: { total: 2, succeeded: 2, failed: 0, pending: 0 },
      failures: [],
    });
    const warm = await api(reader, 'GET', '/devices/warm-1/twin');
    expect(
      (warm.body as unknown as { properties: { desired: object } }).properties.desired,
    ).not.toHaveProperty('setpoint');
    await expect.poll(() => heard.sort()).toEqual(['cold-1', 'cold-2']);

    const activity = await api(reader, 'GET', '/devices/cold-2/activity');
    expect(activity.body).toEqual([
      expect.objectContaining({
        action: 'job',
        subject: expect.any(String),
        detail: expect.objectContaining({ jobId: created.body.jobId, desired: { setpoint: 4 } }),
      }),
    ]);
  });

  it('runs a command on listed devices, and lists the ones it failed on', async () => {
    const online = await register('cmd-on', [], true);
    online?.onDeviceMethod(
      'getDiagnostics',
      (_request: DeviceMethodRequest, response: DeviceMethodResponse) => {
        response.send(200, { ok: true });
      },
    );
    await register('cmd-off', [], false);
    const created = await api(operator, 'POST', '/jobs', {
      target: { deviceIds: ['cmd-on', 'cmd-off'] },
      command: { name: 'getDiagnostics', payload: { verbose: true }, responseTimeoutInSeconds: 5 },
    });
    expect(created.status).toBe(202);
    const job = await finished(created.body.jobId);
    expect(job.counts).toEqual({ total: 2, succeeded: 1, failed: 1, pending: 0 });
    expect(job.failures).toEqual([
      { deviceId: 'cmd-off', code: 'DeviceNotOnline', message: expect.any(String) },
    ]);
  });

  it('cancels a job that is still running', async () => {
    // Connected, with a handler that never answers: the job waits on it.
    const slow = await register('slow-1', [], true);
    slow?.onDeviceMethod('neverAnswered', () => undefined);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const created = await api(operator, 'POST', '/jobs', {
      target: { deviceIds: ['slow-1'] },
      command: { name: 'neverAnswered', responseTimeoutInSeconds: 60 },
    });
    const cancelled = await api(operator, 'POST', `/jobs/${created.body.jobId}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    expect((await api(reader, 'GET', `/jobs/${created.body.jobId}`)).body.status).toBe('cancelled');
  });

  it('records who changed desired properties and sent commands, newest first', async () => {
    const client = await register('audited-1', [], true);
    client?.onDeviceMethod(
      'reboot',
      (_request: DeviceMethodRequest, response: DeviceMethodResponse) => {
        response.send(200, null);
      },
    );
    expect(
      (await api(operator, 'PATCH', '/devices/audited-1/twin/desired', { mode: 'eco' })).status,
    ).toBe(200);
    expect((await api(operator, 'POST', '/devices/audited-1/commands/reboot', {})).status).toBe(
      200,
    );
    const activity = await api(reader, 'GET', '/devices/audited-1/activity');
    const entries = activity.body as unknown as {
      action: string;
      subject: string;
      detail: Record<string, unknown>;
    }[];
    expect(entries.map((entry) => entry.action)).toEqual(['command', 'desired']);
    expect(entries[0]?.detail).toMatchObject({ name: 'reboot', status: 200 });
    expect(entries[1]?.detail).toMatchObject({ patch: { mode: 'eco' } });
    expect(entries[0]?.subject).toBeTruthy();
  });

  it('refuses a viewer, and a job it cannot run, naming the problem', async () => {
    const viewer = await api(reader, 'POST', '/jobs', {
      target: { tag: 'cold-room' },
      desired: { a: 1 },
    });
    expect(viewer.status).toBe(403);
    expect(
      (await api(reader, 'POST', '/jobs/fl-00000000-0000-0000-0000-000000000000/cancel')).status,
    ).toBe(403);
    for (const bad of [
      { target: { tag: 'cold-room' } },
      { target: { tag: 'cold-room' }, desired: { a: 1 }, command: { name: 'x' } },
      { target: { tag: 'bad tag!' }, desired: { a: 1 } },
      { target: { deviceIds: [] }, desired: { a: 1 } },
      { target: { tag: 'x' }, command: { name: 'x', responseTimeoutInSeconds: 1 } },
    ]) {
      const refused = await api(operator, 'POST', '/jobs', bad);
      expect(refused.status, JSON.stringify(bad)).toBe(400);
      expect(refused.body.error.code).toBe('validation_failed');
    }
    expect((await api(reader, 'GET', '/jobs/not-a-job')).status).toBe(404);
  });
});
