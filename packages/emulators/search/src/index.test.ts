import path from 'node:path';
import { AzureKeyCredential, SearchClient, SearchIndexClient } from '@azure/search-documents';
import { spawnEmulator } from '@fieldline/emulator-kit';
import { describe, expect, it } from 'vitest';
import { start } from './index';

const bin = path.resolve(__dirname, '../bin/fieldline-search.cjs');

async function roundTrip(endpoint: string, apiKey: string) {
  const credential = new AzureKeyCredential(apiKey);
  // The emulator serves plain HTTP on loopback; the SDK refuses that unless told.
  const options = { allowInsecureConnection: true };
  await new SearchIndexClient(endpoint, credential, options).createIndex({
    name: 'notes',
    fields: [
      { name: 'id', type: 'Edm.String', key: true },
      { name: 'text', type: 'Edm.String', searchable: true },
    ],
  });
  const notes = new SearchClient<{ id: string; text: string }>(
    endpoint,
    'notes',
    credential,
    options,
  );
  await notes.uploadDocuments([
    { id: '1', text: 'the quick brown fox' },
    { id: '2', text: 'a lazy dog' },
  ]);
  const found: string[] = [];
  for await (const result of (await notes.search('fox')).results) found.push(result.document.id);
  return found;
}

describe('the search emulator on its own', () => {
  it('start() serves the official SDK with the key it was given', async () => {
    const search = await start({ port: 0, apiKey: 'test-admin-key' });
    expect(search.urls.apiKey).toBe('test-admin-key');
    expect(await roundTrip(search.urls.endpoint as string, 'test-admin-key')).toEqual(['1']);
    await search.stop();
  });

  it('its bin prints the endpoint and a key, serves them, and exits cleanly on SIGINT', async () => {
    const running = await spawnEmulator(bin, ['--port', '0'], 2);
    const { endpoint = '', apiKey = '' } = running.urls;
    expect(await roundTrip(endpoint, apiKey)).toEqual(['1']);
    expect(await running.stop()).toBe(0);
  });
});
