import path from 'node:path';
import { spawnEmulator } from '@fieldline/emulator-kit';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { parseSignalRConnectionString, start } from './index';

const bin = path.resolve(__dirname, '../bin/fieldline-signalr.cjs');

/** Broadcasts through the REST API with a token signed by jose, as the server SDKs sign them. */
async function broadcast(connectionString: string) {
  const { endpoint, accessKey } = parseSignalRConnectionString(connectionString);
  const url = `${endpoint}/api/v1/hubs/chat`;
  const token = await new SignJWT({})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setAudience(url)
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(accessKey));
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ target: 'hello', arguments: [] }),
  });
  return response.status;
}

describe('the SignalR emulator on its own', () => {
  it('start() gives a connection string whose key the REST API accepts', async () => {
    const signalR = await start({ port: 0 });
    expect(await broadcast(signalR.urls.connectionString as string)).toBe(202);
    await signalR.stop();
  });

  it('its bin prints the connection string, serves it, and exits cleanly on SIGINT', async () => {
    const running = await spawnEmulator(bin, ['--port', '0'], 2);
    expect(await broadcast(running.urls.connectionString as string)).toBe(202);
    expect(await running.stop()).toBe(0);
  });
});
