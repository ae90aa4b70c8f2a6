import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AzureNamedKeyCredential, TableClient } from '@azure/data-tables';
import { describe, expect, it } from 'vitest';
import { dataPlaneVersions } from '../../functions/src/settings/dataPlaneVersions';
import { lifecycleRules, lifecycleStatus, lifecycleTable } from './lifecycle';
import type { PolicyResource } from './policyRule';

const app = (nodeVersion: string): PolicyResource => ({
  type: 'azure-native:web:WebApp',
  name: 'app',
  props: { functionAppConfig: { runtime: { name: 'node', version: nodeVersion } } },
});
const at = (day: string) => () => new Date(`${day}T12:00:00Z`);
const run = (day: string, resource: PolicyResource) => {
  const [retired, ending] = lifecycleRules(at(day));
  return { fails: retired?.check(resource) ?? [], warns: ending?.check(resource) ?? [] };
};

describe('the retirement radar', () => {
  it('every row names its page, a real date or none, and the day it was checked', () => {
    expect(new Set(lifecycleTable.map((e) => e.id)).size).toBe(lifecycleTable.length);
    for (const entry of lifecycleTable) {
      expect(entry.source).toMatch(/^https:\/\/learn\.microsoft\.com\//);
      expect(entry.checked).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      if (entry.endOfSupport !== null)
        expect(new Date(`${entry.endOfSupport}T00:00:00Z`).toISOString()).toContain(
          entry.endOfSupport,
        );
    }
  });

  it('warns within 180 days of an end date and fails after it, on the pinned day', () => {
    // Node 22 ends on 2027-04-30: 149 days after 2026-12-02, so it warns today.
    expect(run('2026-12-02', app('22'))).toEqual({
      fails: [],
      warns: [
        expect.stringMatching(
          /^Node\.js 22 on Azure Functions leaves support on 2027-04-30, in 150 days/,
        ),
      ],
    });
    expect(run('2026-10-31', app('22'))).toEqual({ fails: [], warns: [] });
    expect(run('2027-04-30', app('22')).fails).toEqual([]);
    expect(run('2027-05-01', app('22'))).toEqual({
      fails: [expect.stringMatching(/^Node\.js 22 on Azure Functions left support on 2027-04-30/)],
      warns: [],
    });
    expect(run('2026-12-02', app('24'))).toEqual({ fails: [], warns: [] });
    expect(run('2026-12-02', app('20')).fails).toHaveLength(1);
  });

  it('sees retired TLS versions on the resources that pin them', () => {
    const storage = (minimumTlsVersion: string): PolicyResource => ({
      type: 'azure-native:storage:StorageAccount',
      name: 's',
      props: { minimumTlsVersion },
    });
    expect(run('2026-12-02', storage('TLS1_0')).fails).toEqual([
      expect.stringContaining('TLS 1.0 and 1.1 on Azure Storage left support on 2026-02-03'),
    ]);
    expect(run('2026-12-02', storage('TLS1_2'))).toEqual({ fails: [], warns: [] });
    const hub: PolicyResource = {
      type: 'azure-native:iothub:IotHubResource',
      name: 'h',
      props: { sku: { name: 'S1' }, properties: { minTlsVersion: '1.0' } },
    };
    expect(run('2026-12-02', hub).fails).toHaveLength(1);
  });

  it('an end date counts to the end of its day (UTC)', () => {
    const entry = {
      ...(lifecycleTable[0] as (typeof lifecycleTable)[number]),
      endOfSupport: '2027-01-10',
    };
    expect(lifecycleStatus(entry, new Date('2027-01-10T23:59:00Z')).state).toBe('ending');
    expect(lifecycleStatus(entry, new Date('2027-01-11T00:00:01Z')).state).toBe('retired');
  });

  it('the Table storage version in the table is the one @azure/data-tables sends', async () => {
    let seen: string | undefined;
    const server = createServer((request, response) => {
      seen = request.headers['x-ms-version'] as string | undefined;
      response.writeHead(404, { 'content-type': 'application/json' }).end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const client = new TableClient(
        `http://127.0.0.1:${port}/devstoreaccount1`,
        'probe',
        new AzureNamedKeyCredential('devstoreaccount1', Buffer.from('key').toString('base64')),
        { allowInsecureConnection: true, retryOptions: { maxRetries: 0 } },
      );
      await client.getEntity('p', 'r').catch(() => undefined);
    } finally {
      server.close();
    }
    expect(seen).toBe(dataPlaneVersions.tableStorage);
  });
});
