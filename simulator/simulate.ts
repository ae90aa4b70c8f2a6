import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { readOptions } from '../tools/cliArgs';
import { parseIotHubConnectionString } from '../tools/iotHubConnectionString';
import type { LocalEndpoints } from '../tools/localEndpoints';
import { clientToken, renewingToken } from '../tools/tokens';
import { runSimulation, type SimulationProgress } from './deviceSimulator';
import { provisioningOf, storeThermostatModel, trustLocalCa } from './provisionedSimulation';
import { outboxCodeReader, simulateUsers } from './userSimulator';

const usage =
  'npm run simulate -- [--transport mqtt|https|rest] [--devices 20] [--rate 5] [--duration 60] [--bad 0.02] [--events] [--users N] [--connection-string "HostName=...;SharedAccessKeyName=...;SharedAccessKey=..."] [--provision [--id-scope 0ne... --group-key <base64>]]';

export function formatProgress(p: SimulationProgress): string {
  return `sent ${p.sent}  accepted ${p.accepted}  failed ${p.failed}  ${p.rate.toFixed(1)} msg/s  ${p.elapsedSeconds.toFixed(0)} s`;
}

/** Runs the simulator from the command line; `--rate` is messages per second per device. */
export async function simulateFromCli(
  argv: readonly string[],
  signal?: AbortSignal,
): Promise<number> {
  const read = readOptions(
    argv,
    {
      devices: 'number',
      rate: 'number',
      duration: 'number',
      bad: 'number',
      events: 'boolean',
      users: 'number',
      transport: 'string',
      'connection-string': 'string',
      provision: 'boolean',
      'id-scope': 'string',
      'group-key': 'string',
    },
    usage,
  );
  if ('problem' in read) {
    console.error(read.problem);
    return 2;
  }
  const args = read.values;
  const transport = args.transport ?? 'mqtt';
  if (transport !== 'mqtt' && transport !== 'https' && transport !== 'rest') {
    console.error(
      `--transport is mqtt (the Azure IoT device SDK over MQTT, the default), https (the SDK's HTTP transport) or rest (the device REST API with SAS headers); got "${transport}"\nusage: ${usage}`,
    );
    return 2;
  }
  let connectionString = args['connection-string'];
  let local: LocalEndpoints | undefined;
  const namesLocalHub = (text: string) => /HostName=(127\.0\.0\.1|localhost)[:;]/i.test(text);
  if (!connectionString || args.users || namesLocalHub(connectionString)) {
    const file = path.resolve('.fieldline/local.json');
    try {
      local = JSON.parse(await readFile(file, 'utf8')) as LocalEndpoints;
      connectionString ??= local.iotHub.connectionString;
    } catch {
      console.error(
        `no IoT Hub to send to: start the local cloud first (npm start), or pass --connection-string.\nusage: ${usage}`,
      );
      return 2;
    }
  }
  try {
    parseIotHubConnectionString(connectionString);
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\nusage: ${usage}`);
    return 2;
  }
  const provision = args.provision ? provisioningOf(args, local) : undefined;
  if (typeof provision === 'string') {
    console.error(`${provision}\nusage: ${usage}`);
    return 2;
  }
  if (provision && transport !== 'mqtt') {
    console.error(
      `--provision registers devices through DPS over MQTT: leave --transport out, or make it mqtt\nusage: ${usage}`,
    );
    return 2;
  }
  if (provision && local) {
    // The provisioning SDK takes no `ca` option: the local CA must be trusted process-wide.
    const trusted = await trustLocalCa(local.iotHub.caPath, argv, signal);
    if (trusted !== undefined) return trusted;
    const stored = await storeThermostatModel(local).then(
      () => undefined,
      (error: Error) => error.message,
    );
    if (stored) {
      console.error(stored);
      return 1;
    }
  }
  if ((args.bad ?? 0) > 1) {
    console.error(`--bad is a share from 0 to 1, got ${args.bad}\nusage: ${usage}`);
    return 2;
  }
  if (
    args.users !== undefined &&
    (!Number.isInteger(args.users) || args.users < 2 || args.users > 10_000)
  ) {
    console.error(`--users is a whole number from 2 to 10000, got ${args.users}\nusage: ${usage}`);
    return 2;
  }
  if (args.users && local) {
    const { apiBaseUrl, identity } = local;
    simulateUsers({
      apiBaseUrl,
      accessToken: renewingToken(() => clientToken(identity, 'Users.Manage')),
      readCode: outboxCodeReader(
        apiBaseUrl,
        renewingToken(() => clientToken(identity, 'Fleet.Admin')),
      ),
      users: args.users,
      ...(signal ? { signal } : {}),
      log: (line) => console.log(line),
    }).catch((error: unknown) => console.error(`user simulation failed: ${String(error)}`));
  }
  const devices = args.devices ?? 20;
  const rate = args.rate ?? 5;
  console.log(
    `simulating ${devices} devices at ${rate} msg/s each${args.duration ? ` for ${args.duration} s` : ' (Ctrl-C to stop)'}`,
  );
  const interactive = process.stdout.isTTY;
  // The local hub answers at its own addresses: REST over plain HTTP, MQTT through the gateway.
  const localHub = local && namesLocalHub(connectionString) ? local.iotHub : undefined;
  const summary = await runSimulation({
    connectionString,
    transport,
    ...(localHub ? { localHub } : {}),
    devices,
    rate,
    badShare: args.bad ?? 0.02,
    ...(args.events ? { productEventShare: 0.4 } : {}),
    ...(provision ? { provision } : {}),
    ...(args.duration ? { durationSeconds: args.duration } : {}),
    ...(signal ? { signal } : {}),
    onProgress: (progress) => {
      if (interactive) process.stdout.write(`\r${formatProgress(progress)}   `);
      else if (Math.round(progress.elapsedSeconds) % 5 === 0) console.log(formatProgress(progress));
    },
  }).catch((error: unknown) => {
    console.error(`\nsimulation failed: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  });
  if (!summary) return 1;
  console.log(`${interactive ? '\n' : ''}done: ${formatProgress(summary)}`);
  for (const error of summary.errors) console.log(`  e.g. ${error}`);
  return summary.failed > 0 ? 1 : 0;
}

if (require.main === module) {
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  simulateFromCli(process.argv.slice(2), abort.signal).then((code) => process.exit(code));
}
