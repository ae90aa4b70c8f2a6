import { describe, expect, it } from 'vitest';
import { createDeviceMessageProxy } from './deviceMessageProxy';

const gateway = {
  hubHostName: 'hub.azure-devices.net',
  endpoint: 'https://hub.azure-devices.net',
  registry: { kind: 'identity' as const },
};
const message = {
  deviceId: 'd1',
  authorization: 'SharedAccessSignature sr=x&sig=y&se=1',
  body: new Uint8Array([1]),
  contentType: null,
  properties: {},
};

describe('device message proxy', () => {
  it('passes IoT Hub throttling through with its Retry-After', async () => {
    const proxy = createDeviceMessageProxy({
      gateway,
      fetch: async () =>
        new Response(null, {
          status: 429,
          headers: { 'retry-after': '7', 'iothub-errorcode': 'ThrottlingException' },
        }),
    });
    expect(await proxy(message)).toEqual({ status: 429, retryAfter: '7' });
  });

  it('sends to the hub over HTTPS with the device token, properties as iothub-app-* headers', async () => {
    const seen: { url: string; headers: Record<string, string> }[] = [];
    const proxy = createDeviceMessageProxy({
      gateway,
      fetch: async (url, init) => {
        seen.push({ url: String(url), headers: init?.headers as Record<string, string> });
        return new Response(null, { status: 204 });
      },
    });
    await proxy({ ...message, properties: { kind: 'browser' } });
    expect(seen).toEqual([
      {
        url: 'https://hub.azure-devices.net/devices/d1/messages/events?api-version=2021-04-12',
        headers: { authorization: message.authorization, 'iothub-app-kind': 'browser' },
      },
    ]);
  });

  it('refuses a request without a device SAS token before calling the hub', async () => {
    const proxy = createDeviceMessageProxy({
      gateway,
      fetch: async () => new Response(null, { status: 500 }),
    });
    await expect(proxy({ ...message, authorization: 'Bearer x' })).rejects.toMatchObject({
      code: 'unauthorized',
    });
  });
});
