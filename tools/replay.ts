import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { GatewayConfig, StorageConnection } from '../functions/src/hosting';
import {
  createDeviceMessageProxy,
  createDeviceRegistry,
  createHubAuthorization,
  createQueueClientFactory,
  createTableClientFactory,
  type DeadLetter,
  DeadLetterStore,
  deadLetteringFunctions,
  queueNames,
  sasToken,
  tableNames,
} from '../functions/src/hosting';
import { readOptions } from './cliArgs';
import { parseIotHubConnectionString } from './iotHubConnectionString';
import type { LocalEndpoints } from './localEndpoints';

const usage =
  'npm run replay -- --source deadletters|<queue>-poison [--id <dead letter id>] [--function ingestTelemetry|analyticsEvents|encounterMatcher] [--limit 100] ' +
  '[--connection-string "HostName=...;SharedAccessKeyName=...;SharedAccessKey=..." | --iothub-hostname <hub>.azure-devices.net] ' +
  '[--storage-connection-string "..." | --storage-account <name>]';

export interface ReplaySummary {
  readonly resubmitted: number;
  readonly failed: number;
  readonly errors: readonly string[];
}

/** Where a queue-triggered function's dead letters go back to. */
const queueOf: Readonly<Record<string, string>> = {
  encounterMatcher: queueNames.encounters,
  alarmWebhook: queueNames.alarmWebhook,
};

/**
 * Resubmits dead letters where they came from: hub messages through the hub's device API, as their
 * device and with the application properties they came with, so they go through the whole
 * pipeline again; queue messages back to their queue. Each is removed only after it was accepted.
 * Finding a device's key needs registry read rights: a service connection string locally, Entra ID
 * (IoT Hub Registry Contributor) against a deployed hub.
 */
export async function replayDeadLetters(options: {
  readonly store: DeadLetterStore;
  readonly hub: HubAddress;
  /** For dead letters that came from a queue. */
  readonly storage?: StorageConnection;
  readonly function?: string;
  readonly id?: string;
  readonly limit: number;
  readonly progress?: (line: string) => void;
}): Promise<ReplaySummary> {
  const gateway = gatewayFor(options.hub);
  const registry = createDeviceRegistry({
    gateway,
    authorization: createHubAuthorization(gateway),
  });
  const send = createDeviceMessageProxy({ gateway });
  const letters = (
    await options.store.list({
      ...(options.function ? { function: options.function } : {}),
      limit: options.id ? 500 : options.limit,
    })
  ).filter((letter) => !options.id || letter.id === options.id);
  if (options.id && letters.length === 0) throw new Error(`no dead letter ${options.id}`);
  let resubmitted = 0;
  const errors: string[] = [];
  for (const letter of letters) {
    try {
      await resubmit(letter);
      await options.store.remove(letter.function, letter.id);
      resubmitted++;
      options.progress?.(
        `resubmitted ${letter.function} ${letter.id} (${resubmitted}/${letters.length})`,
      );
    } catch (error) {
      errors.push(`${letter.id}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return { resubmitted, failed: errors.length, errors };

  async function resubmit(letter: DeadLetter): Promise<void> {
    if ('queueMessageId' in letter.source) {
      const queueName = queueOf[letter.function];
      if (!queueName || !options.storage)
        throw new Error(`no queue to put a ${letter.function} message back on`);
      // The queue trigger reads base64 (host.json's messageEncoding).
      const queue = await createQueueClientFactory(options.storage)(queueName);
      await queue.sendMessage(Buffer.from(letter.body, 'utf8').toString('base64'));
      return;
    }
    if (!letter.deviceId) throw new Error('it names no device, so it cannot go through the hub');
    // The device's key, with registry rights; a device the registry no longer has is registered.
    let device = await registry.connection(letter.deviceId);
    if (!device) {
      const registered = await registry.register(letter.deviceId);
      device = registered.created ? registered.device : await registry.connection(letter.deviceId);
    }
    if (!device) throw new Error(`device ${letter.deviceId} could not be read from the registry`);
    const answer = await send({
      deviceId: letter.deviceId,
      authorization: sasToken({
        resourceUri: `${gateway.hubHostName}/devices/${letter.deviceId}`,
        key: device.primaryKey,
        expiresAt: Math.floor(Date.now() / 1000) + 600,
      }),
      body: Buffer.from(letter.body, letter.bodyEncoding === 'base64' ? 'base64' : 'utf8'),
      contentType: 'application/json',
      properties: Object.fromEntries(
        Object.entries(letter.properties ?? {}).map(([name, value]) => [name, String(value)]),
      ),
    });
    if (answer.status !== 204) throw new Error(`the hub answered ${answer.status}`);
  }
}

/**
 * A deployed hub by host name (Entra ID), or by a service connection string; `endpoint` is where
 * its REST APIs answer when not at `https://{host name}` (the local cloud's plain-HTTP door).
 */
export type HubAddress =
  | { readonly connectionString: string; readonly endpoint?: string }
  | { readonly hostName: string };

function gatewayFor(hub: HubAddress): GatewayConfig {
  if ('hostName' in hub)
    return {
      hubHostName: hub.hostName,
      endpoint: `https://${hub.hostName}`,
      registry: { kind: 'identity' },
    };
  const parsed = parseIotHubConnectionString(hub.connectionString);
  if (!parsed.sharedAccessKeyName)
    throw new Error('the hub connection string must be a service one, with SharedAccessKeyName');
  return {
    hubHostName: parsed.hostName,
    endpoint: hub.endpoint ?? `https://${parsed.hostName}`,
    registry: { kind: 'sas', policyName: parsed.sharedAccessKeyName, key: parsed.sharedAccessKey },
  };
}

/** Moves messages from `<queue>-poison` back to `<queue>`, each deleted only once it is re-queued. */
export async function replayPoisonQueue(options: {
  readonly storage: StorageConnection;
  readonly poisonQueue: string;
  readonly limit: number;
  readonly progress?: (line: string) => void;
}): Promise<ReplaySummary> {
  const target = options.poisonQueue.replace(/-poison$/, '');
  const queues = createQueueClientFactory(options.storage);
  const [poison, queue] = await Promise.all([queues(options.poisonQueue), queues(target)]);
  let resubmitted = 0;
  const errors: string[] = [];
  while (resubmitted + errors.length < options.limit) {
    const { receivedMessageItems } = await poison.receiveMessages({
      numberOfMessages: Math.min(32, options.limit - resubmitted - errors.length),
      visibilityTimeout: 60,
    });
    if (receivedMessageItems.length === 0) break;
    for (const message of receivedMessageItems) {
      try {
        await queue.sendMessage(message.messageText);
        await poison.deleteMessage(message.messageId, message.popReceipt);
        resubmitted++;
        options.progress?.(`moved ${message.messageId} back to ${target} (${resubmitted})`);
      } catch (error) {
        errors.push(
          `${message.messageId}: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
  }
  return { resubmitted, failed: errors.length, errors };
}

/** `npm run replay`: resubmits dead letters or poison-queue messages after a fix. */
export async function replayFromCli(argv: readonly string[]): Promise<number> {
  const read = readOptions(
    argv,
    {
      source: 'string',
      id: 'string',
      function: 'string',
      limit: 'number',
      'connection-string': 'string',
      'iothub-hostname': 'string',
      'storage-connection-string': 'string',
      'storage-account': 'string',
    },
    usage,
  );
  if ('problem' in read) {
    console.error(read.problem);
    return 2;
  }
  const args = read.values;
  const source = args.source ?? '';
  const poisonQueues = Object.values(queueNames).map((queue) => `${queue}-poison`);
  if (source !== 'deadletters' && !poisonQueues.includes(source)) {
    console.error(
      `--source must be deadletters or one of ${poisonQueues.join(', ')}; got "${source}"\nusage: ${usage}`,
    );
    return 2;
  }
  if (args.function && !(deadLetteringFunctions as readonly string[]).includes(args.function)) {
    console.error(
      `--function must be one of ${deadLetteringFunctions.join(', ')}\nusage: ${usage}`,
    );
    return 2;
  }
  let local: LocalEndpoints | undefined;
  const hubGiven = args['connection-string'] ?? args['iothub-hostname'];
  const storageGiven = args['storage-connection-string'] ?? args['storage-account'];
  if (!hubGiven || !storageGiven) {
    try {
      local = JSON.parse(
        await readFile(path.resolve('.fieldline/local.json'), 'utf8'),
      ) as LocalEndpoints;
    } catch {
      console.error(
        `no .fieldline/local.json: start the local cloud (npm start), or name a deployed stack's hub and storage (--iothub-hostname and --storage-account sign in as your az login)\nusage: ${usage}`,
      );
      return 2;
    }
  }
  const account = args['storage-account'];
  // A deployed stack's storage takes no keys: Entra ID (az login), with Table and Queue Data
  // Contributor on the account.
  const storage: StorageConnection = account
    ? {
        kind: 'identity',
        tableServiceUri: `https://${account}.table.core.windows.net`,
        queueServiceUri: `https://${account}.queue.core.windows.net`,
        blobServiceUri: `https://${account}.blob.core.windows.net`,
      }
    : {
        kind: 'connectionString',
        connectionString:
          args['storage-connection-string'] ?? local?.storage.connectionString ?? '',
      };
  const hub = args['iothub-hostname']
    ? { hostName: args['iothub-hostname'] }
    : args['connection-string']
      ? { connectionString: args['connection-string'] }
      : { connectionString: local?.iotHub.connectionString ?? '', endpoint: local?.iotHub.url };
  const limit = args.limit ?? 100;
  const progress = (line: string) => console.log(line);
  try {
    const summary =
      source === 'deadletters'
        ? await replayDeadLetters({
            store: new DeadLetterStore(
              createTableClientFactory(storage)(tableNames.deadLetters),
              deadLetteringFunctions,
            ),
            hub,
            storage,
            ...(args.function ? { function: args.function } : {}),
            ...(args.id ? { id: args.id } : {}),
            limit,
            progress,
          })
        : await replayPoisonQueue({ storage, poisonQueue: source, limit, progress });
    console.log(`done: ${summary.resubmitted} resubmitted, ${summary.failed} failed`);
    for (const error of summary.errors) console.log(`  ${error}`);
    return summary.failed > 0 ? 1 : 0;
  } catch (error) {
    console.error(`replay failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

if (require.main === module)
  replayFromCli(process.argv.slice(2)).then((code) => process.exit(code));
