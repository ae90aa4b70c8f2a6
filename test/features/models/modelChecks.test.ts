import { readFile } from 'node:fs/promises';
import { Client, type DeviceMethodRequest, type DeviceMethodResponse } from 'azure-iot-device';
import { Mqtt } from 'azure-iot-device-mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalCloud, startLocalCloud } from '../../../dev/localCloud';
import { clientToken } from '../../../tools/tokens';
import { apiCalls } from '../../support/apiCalls';

// The model a device announces (IoT Plug and Play's model-id, set with the SDK's setOptions)
// reaches its twin, and commands, desired values and jobs are checked against it.

let stack: LocalCloud;
let reader: string;
let operator: string;
let admin: string;

const thermostat = 'dtmi:com:example:Thermostat;1';
const controller = 'dtmi:com:example:TemperatureController;1';
const models = [
  {
    '@context': 'dtmi:dtdl:context;2',
    '@id': thermostat,
    '@type': 'Interface',
    contents: [
      {
        '@type': ['Telemetry', 'Temperature'],
        name: 'temperature',
        schema: 'double',
        unit: 'degreeCelsius',
      },
      { '@type': 'Property', name: 'targetTemperature', schema: 'double', writable: true },
      { '@type': 'Property', name: 'maxTempSinceLastReboot', schema: 'double' },
      {
        '@type': 'Property',
        name: 'mode',
        writable: true,
        schema: {
          '@type': 'Enum',
          valueSchema: 'string',
          enumValues: [
            { name: 'heat', enumValue: 'heat' },
            { name: 'cool', enumValue: 'cool' },
          ],
        },
      },
      {
        '@type': 'Command',
        name: 'getMaxMinReport',
        request: { name: 'since', schema: 'dateTime' },
        response: { name: 'report', schema: 'string' },
      },
    ],
  },
  {
    '@context': 'dtmi:dtdl:context;2',
    '@id': controller,
    '@type': 'Interface',
    contents: [
      { '@type': 'Component', name: 'thermostat1', schema: thermostat },
      { '@type': 'Command', name: 'reboot', request: { name: 'delay', schema: 'integer' } },
    ],
  },
];

interface Body {
  connectionString: string;
  modelId: string;
  jobId: string;
  error: { code: string; message: string };
}
const api = apiCalls<Body>(() => stack.endpoints.apiBaseUrl);

beforeAll(async () => {
  stack = await startLocalCloud({ log: () => undefined });
  reader = await clientToken(stack.endpoints.identity, 'Fleet.Read');
  operator = await clientToken(stack.endpoints.identity, 'Fleet.Operate');
  admin = await clientToken(stack.endpoints.identity, 'Fleet.Admin');
  for (const model of models)
    expect(
      (await api(admin, 'PUT', `/models/${encodeURIComponent(model['@id'])}`, model)).status,
    ).toBe(200);
});
afterAll(async () => {
  await stack?.stop();
});

/** A device that announces `modelId`, answering every method with 200 and its payload. */
async function device(deviceId: string, modelId?: string) {
  const registered = await api(operator, 'POST', '/devices', { deviceId });
  expect(registered.status).toBe(201);
  const client = Client.fromConnectionString(registered.body.connectionString, Mqtt);
  await client.setOptions({
    ca: await readFile(stack.endpoints.iotHub.caPath, 'utf8'),
    ...(modelId ? { modelId } : {}),
  });
  await client.open();
  for (const name of ['getMaxMinReport', 'thermostat1*getMaxMinReport', 'reboot', 'anything'])
    client.onDeviceMethod(name, (request: DeviceMethodRequest, response: DeviceMethodResponse) => {
      response.send(200, { echoed: request.payload }, () => undefined);
    });
  return client;
}

describe('models a device announces', () => {
  it("keeps the announced model in the twin's modelId, shown by the API", async () => {
    const client = await device('pnp-shown', controller);
    try {
      const twin = await api(reader, 'GET', '/devices/pnp-shown/twin');
      expect(twin.status).toBe(200);
      expect(twin.body.modelId).toBe(controller);
    } finally {
      await client.close();
    }
  });

  it("refuses a command the model does not declare, or whose payload is not its request's schema", async () => {
    const client = await device('pnp-commands', controller);
    try {
      const command = (name: string, payload?: unknown) =>
        api(operator, 'POST', `/devices/pnp-commands/commands/${encodeURIComponent(name)}`, {
          ...(payload === undefined ? {} : { payload }),
        });
      const unknown = await command('selfDestruct');
      expect(unknown.status).toBe(400);
      expect(unknown.body.error.message).toMatch(/declares no command "selfDestruct"/);
      expect(unknown.body.error.message).toMatch(/reboot, thermostat1\*getMaxMinReport/);
      const wrongType = await command('reboot', 'soon');
      expect(wrongType.status).toBe(400);
      expect(wrongType.body.error.message).toMatch(/payload \(delay\) must be an integer/);
      const componentWrong = await command('thermostat1*getMaxMinReport', 'yesterday');
      expect(componentWrong.status).toBe(400);
      expect(componentWrong.body.error.message).toMatch(/must be a date and time/);

      expect((await command('reboot', 5)).status).toBe(200);
      expect((await command('thermostat1*getMaxMinReport', '2026-12-01T00:00:00Z')).status).toBe(
        200,
      );
    } finally {
      await client.close();
    }
  });

  it('refuses a desired value for a read-only or unknown property, or of the wrong type, naming it', async () => {
    const client = await device('pnp-desired', thermostat);
    try {
      const desired = (patch: unknown) =>
        api(operator, 'PATCH', '/devices/pnp-desired/twin/desired', patch);
      const readOnly = await desired({ maxTempSinceLastReboot: 30 });
      expect(readOnly.status).toBe(400);
      expect(readOnly.body.error.message).toMatch(/maxTempSinceLastReboot is read-only/);
      const wrongType = await desired({ targetTemperature: 'warm' });
      expect(wrongType.status).toBe(400);
      expect(wrongType.body.error.message).toMatch(/targetTemperature must be a number/);
      const notInEnum = await desired({ mode: 'defrost' });
      expect(notInEnum.body.error.message).toMatch(/mode must be one of "heat", "cool"/);
      const unknown = await desired({ colour: 'blue' });
      expect(unknown.body.error.message).toMatch(/colour is not a property/);

      expect((await desired({ targetTemperature: 21.5, mode: 'heat' })).status).toBe(200);
      // A property's delete is always allowed.
      expect((await desired({ mode: null })).status).toBe(200);
    } finally {
      await client.close();
    }
  });

  it("checks a component's desired values, and leaves a device without a model as it was", async () => {
    const withModel = await device('pnp-component', controller);
    const without = await device('no-model');
    try {
      const refused = await api(operator, 'PATCH', '/devices/pnp-component/twin/desired', {
        thermostat1: { __t: 'c', targetTemperature: 'warm' },
      });
      expect(refused.status).toBe(400);
      expect(refused.body.error.message).toMatch(/thermostat1\.targetTemperature must be a number/);
      const accepted = await api(operator, 'PATCH', '/devices/pnp-component/twin/desired', {
        thermostat1: { __t: 'c', targetTemperature: 19 },
      });
      expect(accepted.status).toBe(200);

      expect(
        (await api(operator, 'PATCH', '/devices/no-model/twin/desired', { anything: 'goes' }))
          .status,
      ).toBe(200);
      expect(
        (await api(operator, 'POST', '/devices/no-model/commands/anything', { payload: 1 })).status,
      ).toBe(200);
    } finally {
      await Promise.all([withModel.close(), without.close()]);
    }
  });

  it('refuses a job that a model among its devices would refuse, saying how many devices use it', async () => {
    const client = await device('pnp-job', thermostat);
    try {
      const refused = await api(operator, 'POST', '/jobs', {
        target: { deviceIds: ['pnp-job', 'no-such-device'] },
        desired: { maxTempSinceLastReboot: 1 },
      });
      expect(refused.status).toBe(400);
      expect(refused.body.error.message).toMatch(
        /1 of the job's devices use dtmi:com:example:Thermostat;1: maxTempSinceLastReboot is read-only/,
      );
      const command = await api(operator, 'POST', '/jobs', {
        target: { deviceIds: ['pnp-job'] },
        command: { name: 'reboot' },
      });
      expect(command.status).toBe(400);
      const accepted = await api(operator, 'POST', '/jobs', {
        target: { deviceIds: ['pnp-job'] },
        desired: { targetTemperature: 20 },
      });
      expect(accepted.status).toBe(202);
      expect(accepted.body.jobId).toMatch(/^fl-/);
    } finally {
      await client.close();
    }
  });
});

describe('what the dashboard reads of a model', () => {
  it('answers a model with what it declares, components and enum schemas written out', async () => {
    const read = await api(reader, 'GET', `/models/${encodeURIComponent(controller)}`);
    expect(read.status).toBe(200);
    const { capabilities } = read.body as unknown as {
      capabilities: {
        commands: { name: string; component?: string; request?: { schema: unknown } }[];
        properties: { name: string; component?: string; writable: boolean; schema: unknown }[];
        telemetry: { name: string; component?: string; unit?: string }[];
      };
    };
    expect(capabilities.commands.map((c) => c.name)).toEqual([
      'reboot',
      'thermostat1*getMaxMinReport',
    ]);
    expect(capabilities.telemetry).toEqual([
      expect.objectContaining({
        name: 'temperature',
        component: 'thermostat1',
        unit: 'degreeCelsius',
      }),
    ]);
    expect(capabilities.properties.find((p) => p.name === 'mode')).toMatchObject({
      component: 'thermostat1',
      writable: true,
      schema: { '@type': 'Enum', valueSchema: 'string' },
    });
  });

  it('lists the devices that announce each model, for readers', async () => {
    const client = await device('pnp-usage', thermostat);
    try {
      const usage = await api(reader, 'GET', '/model-usage');
      expect(usage.status).toBe(200);
      const { models, complete } = usage.body as unknown as {
        models: { dtmi: string; devices: number; deviceIds: string[] }[];
        complete: boolean;
      };
      expect(complete).toBe(true);
      expect(models.find((m) => m.dtmi === thermostat)?.deviceIds).toContain('pnp-usage');
      const anonymous = await fetch(`${stack.endpoints.apiBaseUrl}/model-usage`);
      expect(anonymous.status).toBe(401);
    } finally {
      await client.close();
    }
  });
});
