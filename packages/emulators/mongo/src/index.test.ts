import path from 'node:path';
import { spawnEmulator } from '@fieldline/emulator-kit';
import { MongoClient } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { start } from './index';

const bin = path.resolve(__dirname, '../bin/fieldline-mongo.cjs');

async function ping(uri: string) {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5_000 });
  try {
    return await client.db().command({ ping: 1 });
  } finally {
    await client.close();
  }
}

describe('the MongoDB emulator on its own', () => {
  it('start() gives a URI the official driver connects to, and stop() closes it', async () => {
    const mongo = await start({ port: 0 });
    expect(await ping(mongo.urls.mongodb as string)).toMatchObject({ ok: 1 });
    await mongo.stop();
  });

  it('its bin prints the URI, serves it, and exits cleanly on SIGINT', async () => {
    const running = await spawnEmulator(bin, ['--port', '0'], 1);
    expect(await ping(running.urls.mongodb as string)).toMatchObject({ ok: 1 });
    expect(await running.stop()).toBe(0);
  });

  it('its bin refuses a bad port, naming it', async () => {
    const running = await spawnEmulator(bin, ['--port', 'many'], 1);
    expect(await running.stop()).toBe(2);
    expect(running.output).toContain('--port needs a whole number');
  });
});
