import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { TableClient } from '@azure/data-tables';
import { QueueClient } from '@azure/storage-queue';
import { type LocalCloud, startLocalCloud } from '../dev/localCloud';
import { tableNames } from '../functions/src/settings/settingNames';
import { runSimulation } from '../simulator/deviceSimulator';
import { readOptions } from '../tools/cliArgs';
import { clientToken } from '../tools/tokens';

const usage = 'npm run soak -- [--minutes 10] [--rate 500]';
const devices = 50;

interface Fault {
  readonly name: string;
  readonly endedAt: number;
}

/**
 * The whole local cloud under simulator load while faults are injected: Azurite (with its data on
 * disk) killed and restarted twice, SignalR down for up to a minute, the function host restarted,
 * 1% poison product events, one malformed queue message. Every figure printed is measured.
 */
async function soak(minutes: number, rate: number): Promise<number> {
  const durationMs = minutes * 60_000;
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'fieldline-soak-'));
  // When each ingest invocation that succeeded started, per hub partition.
  const partitionOf = new Map<string, string>();
  const progress = new Map<string, number[]>();
  const stack = await startLocalCloud({
    dataDir,
    healthCacheMs: 0,
    log: (line) => {
      const started =
        /^Executing 'ingestTelemetry' \(Reason='New events on partition (\d+)', Id=([^)]+)\)/.exec(
          line,
        );
      if (started?.[1] && started[2]) partitionOf.set(started[2], started[1]);
      const ended = /^Executed 'ingestTelemetry' \(Succeeded, Id=([^,]+),/.exec(line);
      const partition = ended?.[1] ? partitionOf.get(ended[1]) : undefined;
      if (ended?.[1] && partition !== undefined) {
        partitionOf.delete(ended[1]);
        progress.set(partition, [...(progress.get(partition) ?? []), Date.now()]);
      }
    },
  });
  const faults: Fault[] = [];
  const log = (line: string) => console.log(`${new Date().toISOString().slice(11, 19)} ${line}`);
  try {
    const started = Date.now();
    const injected = injectFaults(stack, durationMs, faults, log);
    const summary = await runSimulation({
      connectionString: stack.endpoints.iotHub.connectionString,
      localHub: stack.endpoints.iotHub,
      devices,
      rate: rate / devices,
      durationSeconds: durationMs / 1000,
      badShare: 0,
      poisonShare: 0.01,
      devicePrefix: 'soak',
    });
    await injected;
    log(
      `load done after ${Math.round((Date.now() - started) / 1000)} s: ${summary.accepted} accepted`,
    );

    const good = [...summary.perDevice.values()].reduce((sum, d) => sum + d.good, 0);
    const poison = [...summary.perDevice.values()].reduce((sum, d) => sum + d.poison, 0);
    const reader = await clientToken(stack.endpoints.identity, 'Fleet.Read');
    const counts = async () => {
      const response = await fetch(`${stack.endpoints.apiBaseUrl}/devices?history=0`, {
        headers: { authorization: `Bearer ${reader}` },
      });
      const states = (await response.json()) as { deviceId: string; count: number }[];
      return new Map(states.map((s) => [s.deviceId, s.count]));
    };
    const deadLetters = TableClient.fromConnectionString(
      stack.endpoints.storage.connectionString,
      tableNames.deadLetters,
      { allowInsecureConnection: true },
    );
    const countLetters = async (
      functionName: string,
      keep: (letter: { deviceId?: string }) => boolean,
    ) => {
      let n = 0;
      for await (const letter of deadLetters.listEntities<{ deviceId?: string }>({
        queryOptions: { filter: `PartitionKey eq '${functionName}'`, select: ['deviceId'] },
      }))
        if (keep(letter)) n++;
      return n;
    };
    const deadLettered = () =>
      countLetters('analyticsEvents', (letter) => letter.deviceId?.startsWith('soak-') ?? false);
    // Drain: everything accepted is applied, everything poison dead-lettered (or time is up).
    const drainDeadline = Date.now() + 180_000;
    let applied = new Map<string, number>();
    let letters = 0;
    while (Date.now() < drainDeadline) {
      applied = await counts();
      letters = await deadLettered();
      const total = [...applied]
        .filter(([id]) => id.startsWith('soak-'))
        .reduce((s, [, c]) => s + c, 0);
      if (total >= good && letters >= poison) break;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    const appliedTotal = [...applied]
      .filter(([id]) => id.startsWith('soak-'))
      .reduce((sum, [, count]) => sum + count, 0);
    const exact = [...summary.perDevice].every(([id, d]) => (applied.get(id) ?? 0) === d.good);
    const stalls = Object.fromEntries(
      faults.map((fault) => {
        const waits = [...progress.values()].map(
          (times) => (times.find((t) => t >= fault.endedAt) ?? Number.NaN) - fault.endedAt,
        );
        return [fault.name, Math.max(...waits)];
      }),
    );
    // The malformed queue message: dead-lettered at once (it can never be read), or, failing
    // that, in the poison queue after five tries.
    const poisonQueue = await new QueueClient(
      stack.endpoints.storage.connectionString,
      'encounters-poison',
    )
      .peekMessages({ numberOfMessages: 32 })
      .then((r) => r.peekedMessageItems.length)
      .catch(() => 0);
    const malformedSetAside = (await countLetters('encounterMatcher', () => true)) + poisonQueue;
    const result = {
      minutes,
      rate,
      eventsAccepted: summary.accepted,
      readingsAccepted: good,
      readingsApplied: appliedTotal,
      appliedExactlyOnce: exact,
      poisonSent: poison,
      deadLettered: letters,
      lost: Math.max(0, good - appliedTotal) + Math.max(0, poison - letters),
      duplicated: Math.max(0, appliedTotal - good),
      longestStallAfterFaultMs: stalls,
      malformedQueueMessagesSent: 1,
      malformedQueueMessagesSetAside: malformedSetAside,
    };
    console.log(JSON.stringify(result, null, 2));
    const out = path.resolve('bench/results');
    await mkdir(out, { recursive: true });
    await writeFile(path.join(out, 'soak.json'), `${JSON.stringify(result, null, 2)}\n`);
    const ok = result.lost === 0 && exact && letters === poison && malformedSetAside === 1;
    if (!ok) console.error('soak failed: something was lost, counted twice, or not dead-lettered');
    return ok ? 0 : 1;
  } finally {
    await stack.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const read = readOptions(process.argv.slice(2), { minutes: 'number', rate: 'number' }, usage);
  if ('problem' in read) {
    console.error(read.problem);
    process.exit(2);
  }
  soak(read.values.minutes ?? 10, read.values.rate ?? 500).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(
        `soak failed to run: ${error instanceof Error ? error.message : String(error)}`,
      );
      process.exit(1);
    },
  );
}

/**
 * The faults, in order, at set shares of the run: a malformed queue message, Azurite killed, SignalR
 * down, the host restarted, Azurite killed again. Each is recorded when it ends.
 */
async function injectFaults(
  stack: LocalCloud,
  durationMs: number,
  faults: Fault[],
  log: (line: string) => void,
): Promise<void> {
  const at = (share: number) => new Promise((resolve) => setTimeout(resolve, durationMs * share));
  await at(0.1);
  // A message the matcher can never read: it must end in encounters-poison, not loop forever.
  await new QueueClient(stack.endpoints.storage.connectionString, 'encounters').sendMessage(
    Buffer.from('this is not an encounter job').toString('base64'),
  );
  log('fault: one malformed queue message');
  await at(0.05);
  log('fault: Azurite killed');
  await stack.faults.restartAzurite(5_000);
  faults.push({ name: 'azurite restart 1', endedAt: Date.now() });
  log('Azurite back');
  await at(0.15);
  const signalRDownMs = Math.min(60_000, durationMs * 0.15);
  log(`fault: SignalR down for ${Math.round(signalRDownMs / 1000)} s`);
  await stack.faults.stopSignalR();
  await new Promise((resolve) => setTimeout(resolve, signalRDownMs));
  await stack.faults.startSignalR();
  faults.push({ name: 'signalr down', endedAt: Date.now() });
  log('SignalR back');
  await at(0.05);
  log('fault: function host restarted');
  await stack.faults.restartHost();
  faults.push({ name: 'host restart', endedAt: Date.now() });
  await at(0.15);
  log('fault: Azurite killed again');
  await stack.faults.restartAzurite(5_000);
  faults.push({ name: 'azurite restart 2', endedAt: Date.now() });
  log('Azurite back');
}
