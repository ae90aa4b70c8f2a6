import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
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
    const child = spawn(process.execPath, [bin, '--port', '0'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let printed = '';
    const uri = await new Promise<string>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        printed += chunk.toString();
        const match = /mongodb: (\S+)/.exec(printed);
        if (match) resolve(match[1] as string);
      });
    });
    expect(await ping(uri)).toMatchObject({ ok: 1 });
    child.kill('SIGINT');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  });

  it('its bin refuses a bad port, naming it', async () => {
    const child = spawn(process.execPath, [bin, '--port', 'many'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let printed = '';
    child.stdout.on('data', (chunk: Buffer) => {
      printed += chunk.toString();
    });
    const [code] = await once(child, 'exit');
    expect(code).toBe(2);
    expect(printed).toContain('--port needs a whole number');
  });
});
