import { QueueClient } from '@azure/storage-queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalCloud, startLocalCloud } from '../../../dev/localCloud';
import { deadLetteringFunctions } from '../../../functions/src/services';
import { tableNames } from '../../../functions/src/settings/settingNames';
import { DeadLetterStore } from '../../../functions/src/storage/deadLetterStore';
import { createTableClientFactory } from '../../../functions/src/storage/tableClientFactory';
import { replayDeadLetters, replayPoisonQueue } from '../../../tools/replay';
import { clientToken } from '../../../tools/tokens';

let stack: LocalCloud;
let reader: string;
beforeAll(async () => {
  stack = await startLocalCloud({
    log: () => undefined,
    // The matcher would drain the queue the poison message goes back to; this test only moves it.
    settings: { 'AzureWebJobs.encounterMatcher.Disabled': 'true' },
  });
  reader = await clientToken(stack.endpoints.identity, 'Fleet.Read');
});
afterAll(() => stack?.stop());

const deviceCount = async (deviceId: string): Promise<number> => {
  const response = await fetch(`${stack.endpoints.apiBaseUrl}/devices/${deviceId}`, {
    headers: { authorization: `Bearer ${reader}` },
  });
  return response.status === 200 ? ((await response.json()) as { count: number }).count : 0;
};

/** The stack's dead-letter store, as the functions write it. */
const deadLetters = () => {
  const storage = {
    kind: 'connectionString' as const,
    connectionString: stack.endpoints.storage.connectionString,
  };
  const store = new DeadLetterStore(
    createTableClientFactory(storage)(tableNames.deadLetters),
    deadLetteringFunctions,
  );
  return { storage, store };
};

describe('npm run replay', () => {
  it('puts a fixed dead letter back through the whole pipeline exactly once, then removes it', async () => {
    const { store } = deadLetters();
    // As ingestTelemetry would have set it aside while storage refused it.
    const letter = await store.save({
      function: 'ingestTelemetry',
      reason: 'The property value exceeds the maximum allowed size (64KB).',
      source: { partitionId: '2', sequenceNumber: 41, enqueuedTime: new Date().toISOString() },
      deviceId: 'replayed-1',
      properties: {},
      body: '{"temperature": 7.5}',
      bodyEncoding: 'text',
    });
    const hub = {
      connectionString: stack.endpoints.iotHub.connectionString,
      endpoint: stack.endpoints.iotHub.url,
    };
    const progress: string[] = [];
    const first = await replayDeadLetters({
      store,
      hub,
      limit: 10,
      progress: (line) => progress.push(line),
    });
    expect(first).toEqual({ resubmitted: 1, failed: 0, errors: [] });
    expect(progress).toEqual([`resubmitted ingestTelemetry ${letter.id} (1/1)`]);
    const deadline = Date.now() + 15_000;
    while ((await deviceCount('replayed-1')) < 1 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await deviceCount('replayed-1')).toBe(1);
    expect(await store.list({ limit: 10 })).toEqual([]);
    // A second run finds nothing, and the reading is still counted once.
    expect(await replayDeadLetters({ store, hub, limit: 10 })).toMatchObject({ resubmitted: 0 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await deviceCount('replayed-1')).toBe(1);
  });

  it('moves poison-queue messages back to their queue, each deleted only once re-queued', async () => {
    const connection = stack.endpoints.storage.connectionString;
    const poison = new QueueClient(connection, 'encounters-poison');
    const queue = new QueueClient(connection, 'encounters');
    await Promise.all([poison.createIfNotExists(), queue.createIfNotExists()]);
    const text = Buffer.from('{"username":"fixed","window":3}').toString('base64');
    await poison.sendMessage(text);
    const summary = await replayPoisonQueue({
      storage: { kind: 'connectionString', connectionString: connection },
      poisonQueue: 'encounters-poison',
      limit: 10,
    });
    expect(summary).toMatchObject({ resubmitted: 1, failed: 0 });
    expect((await poison.peekMessages()).peekedMessageItems).toEqual([]);
    expect((await queue.peekMessages()).peekedMessageItems.map((m) => m.messageText)).toContain(
      text,
    );
  });

  it('puts a dead-lettered queue message back on its queue', async () => {
    const { storage, store } = deadLetters();
    await store.save({
      function: 'encounterMatcher',
      reason: 'not an encounter job (since fixed)',
      source: { queueMessageId: 'm-42' },
      body: '{"username":"fixed-later","window":9}',
      bodyEncoding: 'text',
    });
    const summary = await replayDeadLetters({
      store,
      hub: {
        connectionString: stack.endpoints.iotHub.connectionString,
        endpoint: stack.endpoints.iotHub.url,
      },
      storage,
      function: 'encounterMatcher',
      limit: 10,
    });
    expect(summary).toMatchObject({ resubmitted: 1, failed: 0 });
    const queued = await new QueueClient(storage.connectionString, 'encounters').peekMessages({
      numberOfMessages: 32,
    });
    expect(
      queued.peekedMessageItems.map((m) => Buffer.from(m.messageText, 'base64').toString()),
    ).toContain('{"username":"fixed-later","window":9}');
    expect(await store.list({ function: 'encounterMatcher', limit: 10 })).toEqual([]);
  });
});
