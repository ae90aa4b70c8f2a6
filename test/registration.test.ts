import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFunctions } from '../functions/build';
import { createFunctionDefinitions } from '../functions/src/functionDefinitions';
import { loadConfig } from '../functions/src/platform/config';
import { createServices } from '../functions/src/services';
import {
  installFunctionsCoreStandIn,
  type RegisteredFunction,
} from './support/functionsCoreStandIn';

const storage =
  'DefaultEndpointsProtocol=http;AccountName=dev;AccountKey=a2V5;TableEndpoint=http://127.0.0.1:9/dev';

describe('the built function app', () => {
  let outDir: string;
  let registered: RegisteredFunction[];

  beforeAll(async () => {
    outDir = await mkdtemp(path.join(os.tmpdir(), 'fieldline-bundle-'));
    await buildFunctions({ outDir });
    const standIn = installFunctionsCoreStandIn();
    process.env.DataStorage = storage;
    try {
      const { main } = JSON.parse(await readFile(path.join(outDir, 'package.json'), 'utf8')) as {
        main: string;
      };
      await import(pathToFileURL(path.join(outDir, main)).href);
    } finally {
      standIn.uninstall();
      delete process.env.DataStorage;
    }
    registered = standIn.registered;
  });

  afterAll(async () => {
    await rm(outDir, { recursive: true, force: true });
  });

  it('registers every function definition, and only those', () => {
    const definitions = createFunctionDefinitions(
      createServices(loadConfig({ DataStorage: storage })),
    );
    expect(registered.map((r) => r.metadata.name).sort()).toEqual(
      definitions.map((d) => d.name).sort(),
    );
  });

  it('declares ingestTelemetry as a batched Event Hubs trigger with its own consumer group and a retry policy', () => {
    const ingest = registered.find((r) => r.metadata.name === 'ingestTelemetry')?.metadata;
    const trigger = Object.values(ingest?.bindings ?? {}).find((b) => b.direction === 'in');
    expect(trigger).toMatchObject({
      type: 'eventHubTrigger',
      cardinality: 'many',
      consumerGroup: 'ingest',
      connection: 'IoTHubEventHub',
      eventHubName: '%IOTHUB_EVENTHUB_NAME%',
    });
    const output = Object.values(ingest?.bindings ?? {}).find((b) => b.direction === 'out');
    expect(output).toMatchObject({
      type: 'signalR',
      hubName: 'telemetry',
      connectionStringSetting: 'AzureSignalRConnectionString',
    });
    expect(ingest?.retryOptions).toMatchObject({
      retryStrategy: 'exponentialBackoff',
      maxRetryCount: -1,
    });
  });

  it('ships host.json with the extension bundle and deliberate Event Hubs and queue settings', async () => {
    const host = JSON.parse(await readFile(path.join(outDir, 'host.json'), 'utf8'));
    expect(host.extensionBundle).toEqual({
      id: 'Microsoft.Azure.Functions.ExtensionBundle',
      version: '[4.*, 5.0.0)',
    });
    expect(host.extensions.eventHubs).toMatchObject({
      maxEventBatchSize: 100,
      batchCheckpointFrequency: 1,
    });
    expect(host.extensions.queues).toMatchObject({ maxDequeueCount: 5 });
  });
});
