import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { QueueClient } from '@azure/storage-queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueNames } from '../../../functions/src/settings/settingNames';
import { useAzurite } from '../../support/azuriteFixture';
import { createTestFunctionApp, deviceEvent } from '../../support/testFunctionApp';

const azurite = useAzurite();
const secret = 'a-stage-secret-of-some-length';

/** The stage's receiver: records each call and answers what the test says. */
const received: { headers: http.IncomingHttpHeaders; body: string }[] = [];
let answer = 204;
let receiver: http.Server;
let url: string;
beforeAll(async () => {
  receiver = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      received.push({ headers: request.headers, body });
      response.writeHead(answer).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/alarms`;
});
afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

const app = () =>
  createTestFunctionApp(azurite().connectionString, {
    env: { ALARM_WEBHOOK_URL: url, ALARM_WEBHOOK_SECRET: secret },
  });

/** What ingest queued for the webhook, as the queue trigger would hand it over. */
async function queued(): Promise<unknown[]> {
  const queue = new QueueClient(azurite().connectionString, queueNames.alarmWebhook);
  const { receivedMessageItems } = await queue.receiveMessages({ numberOfMessages: 32 });
  return receivedMessageItems.map((item) =>
    JSON.parse(Buffer.from(item.messageText, 'base64').toString('utf8')),
  );
}

describe('the alarm webhook', () => {
  it('gets each alarm change, signed with the stage secret over the timestamp and body', async () => {
    const fnApp = app();
    await fnApp.http('putAlarmRule', {
      method: 'PUT',
      path: 'alarm-rules/hook',
      params: { ruleId: 'hook' },
      body: { metric: 'temperature', op: '>', threshold: 22, scope: { deviceId: 'w1' } },
    });
    await fnApp.ingest([
      deviceEvent('w1', { temperature: 25 }),
      deviceEvent('w1', { temperature: 20 }),
    ]);
    const messages = await queued();
    expect(messages).toEqual([
      expect.objectContaining({ deviceId: 'w1', ruleId: 'hook', state: 'active', value: 25 }),
      expect.objectContaining({ deviceId: 'w1', ruleId: 'hook', state: 'cleared', value: 20 }),
    ]);
    for (const message of messages) await fnApp.queue('alarmWebhook', message);
    expect(received).toHaveLength(2);
    for (const call of received) {
      const timestamp = String(call.headers['x-fieldline-timestamp']);
      expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(60);
      const expected = `sha256=${createHmac('sha256', secret).update(`${timestamp}.${call.body}`).digest('hex')}`;
      expect(call.headers['x-fieldline-signature']).toBe(expected);
    }
    expect(JSON.parse(received[0]?.body ?? '')).toEqual(messages[0]);
  });

  it('retries what the receiver cannot take now, and sets aside what it refuses', async () => {
    const fnApp = app();
    const change = {
      alarmId: '0-1-hook',
      ruleId: 'hook',
      deviceId: 'w2',
      state: 'active',
      value: 30,
      at: new Date().toISOString(),
      severity: 'warning',
    };
    answer = 503;
    await expect(fnApp.queue('alarmWebhook', change)).rejects.toThrow('answered 503');
    answer = 410;
    await fnApp.queue('alarmWebhook', change);
    const letters = await fnApp.http('listDeadLetters', {
      path: 'deadletters',
      url: 'http://localhost/api/deadletters?function=alarmWebhook',
    });
    expect(letters.body).toEqual([
      expect.objectContaining({
        function: 'alarmWebhook',
        reason: 'the alarm webhook answered 410',
      }),
    ]);
    answer = 204;
  });

  it('refuses a stage whose webhook has no secret, or is not https', () => {
    expect(() =>
      createTestFunctionApp(azurite().connectionString, {
        env: { ALARM_WEBHOOK_URL: 'https://hooks.example.com/a' },
      }),
    ).toThrow('ALARM_WEBHOOK_SECRET must be set');
    expect(() =>
      createTestFunctionApp(azurite().connectionString, {
        env: { ALARM_WEBHOOK_URL: 'http://hooks.example.com/a', ALARM_WEBHOOK_SECRET: secret },
      }),
    ).toThrow('ALARM_WEBHOOK_URL must be an https URL');
  });
});
