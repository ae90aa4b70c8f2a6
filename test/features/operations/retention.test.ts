import { describe, expect, it } from 'vitest';
import {
  minuteOf,
  ProductCounterStore,
} from '../../../functions/src/analytics/productCounterStore';
import { DeviceActivityStore } from '../../../functions/src/devices/deviceActivityStore';
import { SmsOutbox } from '../../../functions/src/encounters/smsOutbox';
import { tableNames } from '../../../functions/src/settings/settingNames';
import { DeadLetterStore } from '../../../functions/src/storage/deadLetterStore';
import { createTableClientFactory } from '../../../functions/src/storage/tableClientFactory';
import type { Rejection } from '../../../functions/src/telemetry/rejection';
import { useAzurite } from '../../support/azuriteFixture';
import { createTestFunctionApp, deviceEvent } from '../../support/testFunctionApp';

const azurite = useAzurite();
const day = 86_400_000;

describe('the retention timer', () => {
  it('deletes rejections, product minutes, outbox rows and dead letters past RETENTION_DAYS, and nothing newer', async () => {
    const connectionString = azurite().connectionString;
    const table = createTableClientFactory({ kind: 'connectionString', connectionString });
    const app = createTestFunctionApp(connectionString, { env: { RETENTION_DAYS: '10' } });
    const device = `kept-${Date.now().toString(36)}`;
    const old = Date.now() - 12 * day;
    const recent = Date.now() - 8 * day;
    // Rejections: one from twelve days ago, one from eight.
    await app.ingest([
      deviceEvent(device, { temperature: 900 }, { enqueuedTime: new Date(old) }),
      deviceEvent(device, { temperature: 901 }, { enqueuedTime: new Date(recent) }),
    ]);
    const counters = new ProductCounterStore(table(tableNames.productMinutes));
    const minute = (ms: number) => minuteOf(new Date(ms));
    await counters.add(
      [old, recent].map((ms, i) => ({
        minute: minute(ms),
        productId: `ret-${device}`,
        event: 'view',
        partitionId: '0',
        sequenceNumber: i,
      })),
    );
    const outbox = new SmsOutbox(table(tableNames.smsOutbox));
    for (const at of [old, recent])
      await outbox.sender(() => at).send({ to: '+15550000000', body: device, username: device });
    const deadLetters = new DeadLetterStore(table(tableNames.deadLetters), ['ingestTelemetry']);
    for (const [i, at] of [old, recent].entries())
      await deadLetters.save({
        function: 'ingestTelemetry',
        reason: `kept for ${device}`,
        source: { partitionId: '9', sequenceNumber: i, enqueuedTime: new Date(at).toISOString() },
        body: '{}',
        bodyEncoding: 'text',
      });

    await app.timer('retention');

    const rejections = (await app.http('listRejections', { path: `rejections?deviceId=${device}` }))
      .body as Rejection[];
    expect(rejections.map((r) => Date.parse(r.receivedAt))).toEqual([recent]);
    const fleet = (await app.http('listRejections', { path: 'rejections?limit=1000' }))
      .body as Rejection[];
    expect(fleet.filter((r) => r.deviceId === device)).toHaveLength(1);
    const minutes = (await counters.since(minute(old - day))).filter(
      (row) => row.productId === `ret-${device}`,
    );
    expect(minutes.map((row) => row.minute)).toEqual([minute(recent)]);
    const texts = (await outbox.list(1000)).filter((entry) => entry.body === device);
    expect(texts.map((entry) => Date.parse(entry.createdAt))).toEqual([recent]);
    const letters = (await deadLetters.list({ limit: 500 })).filter(
      (letter) => letter.reason === `kept for ${device}`,
    );
    expect(letters.map((letter) => letter.source)).toEqual([
      expect.objectContaining({ sequenceNumber: 1 }),
    ]);
    expect(app.logs.some((line) => /retention deleted rejections \d+/.test(line))).toBe(true);
  });

  it("deletes a device's activity past HISTORY_RETENTION_DAYS, and nothing newer", async () => {
    const connectionString = azurite().connectionString;
    const table = createTableClientFactory({ kind: 'connectionString', connectionString });
    const app = createTestFunctionApp(connectionString, { env: { HISTORY_RETENTION_DAYS: '10' } });
    const device = `audited-${Date.now().toString(36)}`;
    const caller = { issuer: 'https://issuer.test', subject: 'op', roles: new Set<string>() };
    for (const [at, name] of [
      [Date.now() - 12 * day, 'old'],
      [Date.now() - 8 * day, 'recent'],
    ] as const)
      await new DeviceActivityStore(table(tableNames.deviceActivity), () => at).record(
        [device],
        caller,
        'command',
        { name },
      );

    await app.timer('retention');

    const kept = await new DeviceActivityStore(table(tableNames.deviceActivity)).list(device, 10);
    expect(kept.map((entry) => entry.detail.name)).toEqual(['recent']);
  });
});
