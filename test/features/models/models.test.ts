import { describe, expect, it } from 'vitest';
import { useAzurite } from '../../support/azuriteFixture';
import { createTestFunctionApp, testOperator } from '../../support/testFunctionApp';

// Device models through the API: stored when Microsoft's DTDL parser accepts them, refused with
// each problem named when it does not.

const azurite = useAzurite();
const thermostat = (version: 2 | 3, id = 'dtmi:com:example:Thermostat;1') => ({
  '@context': `dtmi:dtdl:context;${version}`,
  '@id': id,
  '@type': 'Interface',
  displayName: 'Thermostat',
  contents: [
    { '@type': 'Telemetry', name: 'temperature', schema: 'double' },
    { '@type': 'Property', name: 'targetTemperature', schema: 'double', writable: true },
    { '@type': 'Command', name: 'reboot', request: { name: 'delay', schema: 'integer' } },
  ],
});
const path = (dtmi: string) => `models/${encodeURIComponent(dtmi)}`;

describe('device models', () => {
  it('stores a DTDL v2 and a v3 interface, lists them, reads one, and deletes it', async () => {
    const app = createTestFunctionApp(azurite().connectionString);
    const v2 = 'dtmi:com:example:ThermostatTwo;1';
    const v3 = 'dtmi:com:example:ThermostatThree;1';
    for (const [dtmi, version] of [
      [v2, 2],
      [v3, 3],
    ] as const) {
      const put = await app.http('putModel', {
        method: 'PUT',
        path: path(dtmi),
        params: { dtmi },
        body: thermostat(version, dtmi),
      });
      expect(put.status, JSON.stringify(put.body)).toBe(200);
    }
    const listed = (await app.http('listModels', { path: 'models' })).body as { dtmi: string }[];
    expect(listed.map((model) => model.dtmi)).toEqual(expect.arrayContaining([v2, v3]));
    const read = await app.http('getModel', { path: path(v3), params: { dtmi: v3 } });
    expect(read.body).toMatchObject({ dtmi: v3, model: { '@context': 'dtmi:dtdl:context;3' } });
    expect(
      (await app.http('deleteModel', { method: 'DELETE', path: path(v3), params: { dtmi: v3 } }))
        .status,
    ).toBe(204);
    expect((await app.http('getModel', { path: path(v3), params: { dtmi: v3 } })).status).toBe(404);
  });

  it('names what is wrong: an unknown schema, duplicate names, a bad or mismatched @id', async () => {
    const app = createTestFunctionApp(azurite().connectionString);
    const dtmi = 'dtmi:com:example:Broken;1';
    const refused = async (body: unknown, id = dtmi) => {
      const answer = await app.http('putModel', {
        method: 'PUT',
        path: path(id),
        params: { dtmi: id },
        body,
      });
      expect(answer.status).toBe(400);
      return (answer.body as { error: { code: string; message: string } }).error;
    };
    const unknownSchema = thermostat(3, dtmi);
    unknownSchema.contents[0] = { '@type': 'Telemetry', name: 'temperature', schema: 'doubl' };
    expect((await refused(unknownSchema)).message).toMatch(/'doubl'/);
    const twice = thermostat(3, dtmi);
    twice.contents.push({ '@type': 'Telemetry', name: 'temperature', schema: 'float' });
    expect((await refused(twice)).message).toMatch(/temperature/);
    expect((await refused(thermostat(3, 'dtmi:com:example:Other;1'))).message).toMatch(
      /is not the URL's/,
    );
    expect((await refused(thermostat(3), 'not-a-dtmi')).message).toMatch(/not a valid DTMI/);
  });

  it('lets a viewer read models but not write them', async () => {
    const app = createTestFunctionApp(azurite().connectionString);
    const viewer = { ...testOperator, roles: new Set(['Fleet.Read']) };
    const dtmi = 'dtmi:com:example:Viewed;1';
    const put = await app.http('putModel', {
      method: 'PUT',
      path: path(dtmi),
      params: { dtmi },
      body: thermostat(2, dtmi),
      caller: viewer,
    });
    expect(put.status).toBe(403);
    expect((await app.http('listModels', { path: 'models', caller: viewer })).status).toBe(200);
  });
});
