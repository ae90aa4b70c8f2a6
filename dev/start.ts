import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { type HubTier, hubTiers } from '@fieldline/iothub-emulator';
import { simulateFromCli } from '../simulator/simulate';
import { readOptions } from '../tools/cliArgs';
import { type LocalCloud, standardHttpsPort, startLocalCloud } from './localCloud';

const usage =
  'npm start -- [--port 7071] [--dashboard-port 7070] [--iothub-port 7081] [--iothub-https-port 443] [--mqtt-port 8883] [--signalr-port 7082] [--mongo-port 7083] [--blob-port 10000] [--queue-port 10001] ' +
  '[--table-port 10002] [--identity-port 7084] [--search-port 7085] [--data <dir>] [--open-as operator] [--partitions 4] [--hub-tier S1|S2|S3] [--verbose] [--simulate [--devices 20] [--rate 5] [--bad 0.02] [--events] [--users 50]]';

const portFlags = [
  ['port', 7071, 'function host'],
  ['dashboard-port', 7070, 'dashboard'],
  ['iothub-port', 7081, 'IoT Hub stand-in'],
  ['iothub-https-port', standardHttpsPort, 'IoT Hub HTTPS'],
  ['mqtt-port', 8883, 'IoT Hub MQTT'],
  ['signalr-port', 7082, 'SignalR stand-in'],
  ['mongo-port', 7083, 'MongoDB stand-in'],
  ['blob-port', 10000, 'Azurite blobs'],
  ['queue-port', 10001, 'Azurite queues'],
  ['table-port', 10002, 'Azurite tables'],
  ['identity-port', 7084, 'local identity issuer'],
  ['search-port', 7085, 'search stand-in'],
] as const;

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/** Opens a URL in the desktop's browser, if there is one; without one the printed link remains. */
function openBrowser(url: string): void {
  const [command, ...args] =
    process.platform === 'darwin'
      ? ['open', url]
      : process.platform === 'win32'
        ? ['cmd', '/c', 'start', '', url]
        : ['xdg-open', url];
  spawn(command as string, args, { detached: true, stdio: 'ignore' })
    .on('error', () => undefined)
    .unref();
}

/** What the banner says of the hub's HTTPS door: at 443 for every SDK, or why not and what to do. */
function httpsLine(https: { port: number; problem?: string }): string {
  if (https.port === standardHttpsPort)
    return "https://localhost   the same APIs over TLS, for azure-iothub's Registry and the device HTTP transport";
  const fix = https.problem?.includes('EACCES')
    ? 'allow it with `sudo sysctl net.ipv4.ip_unprivileged_port_start=443`'
    : 'free port 443';
  return `https://localhost:${https.port}   ${https.problem ? `${https.problem}, so ` : ''}azure-iothub's Registry cannot reach the hub (it takes no port) and the device HTTP transport needs its http.agent option (README); ${fix} and restart`;
}

const time = () => new Date().toISOString().slice(11, 23);

/**
 * The function host's log, shown as it comes with `verbose`; otherwise routine lines are
 * summarised every 10 s, and failures and warnings always show.
 */
function summarisingLog(verbose: boolean): (line: string) => void {
  const routine = /^(Executing '|Executed '.*\(Succeeded|information: )/;
  const executed = new Map<string, { ok: number; failed: number }>();
  const summary = setInterval(() => {
    if (executed.size === 0) return;
    const parts = [...executed].map(
      ([name, c]) => `${name} ${c.ok} ok${c.failed ? `, ${c.failed} failed` : ''}`,
    );
    console.log(`${time()} last 10 s: ${parts.join('; ')}`);
    executed.clear();
  }, 10_000);
  summary.unref();
  return (line) => {
    const match = /^Executed '([^']+)' \((Succeeded|Failed)/.exec(line);
    if (match?.[1]) {
      const counts = executed.get(match[1]) ?? { ok: 0, failed: 0 };
      if (match[2] === 'Succeeded') counts.ok++;
      else counts.failed++;
      executed.set(match[1], counts);
    }
    if (verbose || !routine.test(line)) console.log(`${time()} ${line}`);
  };
}

/** What `npm start` prints once everything listens: each service, where it is, and how to use it. */
function banner(stack: LocalCloud, dashboardLink: string | null, data: string | undefined): string {
  const { endpoints } = stack;
  const users = endpoints.identity.users;
  return `
fieldline local cloud is running
  Dashboard  ${dashboardLink}   sign in as ${users.map((u) => u.username).join(', ')}
  Rooms      ${endpoints.dashboardUrl}rooms.html   collaborative rooms: two windows, two people (e.g. alice and bob)
  API        ${endpoints.apiBaseUrl}        try: curl -H "Authorization: Bearer $(npm run -s token -- --role Fleet.Read)" ${endpoints.apiBaseUrl}/devices
  Identity   ${endpoints.identity.issuer}       local OpenID issuer; npm run token -- --role <role> | --user <name>
  IoT Hub    ${endpoints.iotHub.url}       registry and device-to-cloud REST APIs over plain HTTP (curl), ${endpoints.iotHub.partitions} partitions; host name "${endpoints.iotHub.hostName}"
  HTTPS      ${httpsLine(endpoints.iotHub.https)}
  MQTT       mqtts://${endpoints.iotHub.mqtt.gatewayHostName}   for the Azure IoT device SDKs; trust the local CA: export NODE_EXTRA_CA_CERTS=${endpoints.iotHub.caPath}
  DPS        host "${endpoints.provisioning.host}", ID scope ${endpoints.provisioning.idScope}, enrollment group "${endpoints.provisioning.enrollmentGroup.id}" (its key in .fieldline/local.json; docs/features/provisioning.md)
  SignalR    ${endpoints.signalR.endpoint}       hubs "telemetry" (operators), "users" (app users) and "rooms" (upstream to ${endpoints.apiBaseUrl.replace(/\/api$/, '')}/runtime/webhooks/signalr)
  Search     ${endpoints.search.endpoint}       Azure AI Search stand-in (index "tracks"); npm run catalog -- generate --tracks 100000
  MongoDB    ${process.env.MONGODB_URI ? 'the server in MONGODB_URI' : `${endpoints.mongodbUri}  (in-memory stand-in; set MONGODB_URI to use a real server)`}
  SMS        outbox: curl -H "Authorization: Bearer $(npm run -s token -- --role Fleet.Admin)" ${endpoints.apiBaseUrl}/sms/outbox
  Storage    Azurite blob ${stack.azurite.blobPort}, queue ${stack.azurite.queuePort}, table ${stack.azurite.tablePort} (${data ? `data in ${data}` : 'in memory'})
  Settings   .fieldline/local.json: every endpoint, connection string, key and local client a tool needs
  Devices    npm run simulate -- --devices 20 --rate 5 [--users 50]
Press Ctrl-C to stop.
`;
}

async function main(): Promise<void> {
  const read = readOptions(
    process.argv.slice(2),
    {
      port: 'number',
      'dashboard-port': 'number',
      'iothub-port': 'number',
      'iothub-https-port': 'number',
      'mqtt-port': 'number',
      'signalr-port': 'number',
      'mongo-port': 'number',
      'blob-port': 'number',
      'queue-port': 'number',
      'table-port': 'number',
      'identity-port': 'number',
      'search-port': 'number',
      'open-as': 'string',
      data: 'string',
      partitions: 'number',
      'hub-tier': 'string',
      verbose: 'boolean',
      simulate: 'boolean',
      devices: 'number',
      rate: 'number',
      bad: 'number',
      events: 'boolean',
      users: 'number',
    },
    usage,
  );
  if ('problem' in read) {
    console.error(read.problem);
    process.exitCode = 2;
    return;
  }
  const args = read.values;
  const hubTier = args['hub-tier'];
  if (hubTier !== undefined && !hubTiers.includes(hubTier as HubTier)) {
    console.error(
      `--hub-tier must be one of ${hubTiers.join(', ')} (the IoT Hub tier whose throttles to enforce); got "${hubTier}"\nusage: ${usage}`,
    );
    process.exitCode = 2;
    return;
  }
  const ports = Object.fromEntries(
    portFlags.map(([flag, fallback]) => [flag, args[flag] ?? fallback]),
  ) as Record<(typeof portFlags)[number][0], number>;
  for (const [flag, , what] of portFlags) {
    if (flag === 'mongo-port' && process.env.MONGODB_URI) continue; // no stand-in to place
    // Without 443 the hub serves HTTPS on a free port and says so below.
    if (flag === 'iothub-https-port' && ports[flag] === standardHttpsPort) continue;
    if (!(await portIsFree(ports[flag]))) {
      console.error(
        `port ${ports[flag]} (${what}) is already in use. Stop what holds it, or pass --${flag} <another port>.`,
      );
      process.exit(1);
    }
  }

  console.log('starting the fieldline local cloud…');
  const log = summarisingLog(args.verbose === true);
  let stack: LocalCloud;
  try {
    stack = await startLocalCloud({
      ports: {
        api: ports.port,
        dashboard: ports['dashboard-port'],
        iotHub: ports['iothub-port'],
        iotHubHttps: ports['iothub-https-port'],
        mqtt: ports['mqtt-port'],
        signalR: ports['signalr-port'],
        mongo: ports['mongo-port'],
        blob: ports['blob-port'],
        queue: ports['queue-port'],
        table: ports['table-port'],
        identity: ports['identity-port'],
        search: ports['search-port'],
      },
      ...(args.data ? { dataDir: path.resolve(args.data) } : {}),
      stateDir: path.resolve('.fieldline'),
      ...(process.env.MONGODB_URI ? { mongodbUri: process.env.MONGODB_URI } : {}),
      partitions: args.partitions ?? 4,
      ...(hubTier ? { hubTier: hubTier as HubTier } : {}),
      dashboard: { build: true },
      log,
    });
  } catch (error) {
    console.error(
      `the local cloud did not start: ${error instanceof Error ? error.message : String(error)}`,
    );
    process.exit(1);
  }

  const { endpoints } = stack;
  const users = endpoints.identity.users;
  const openAs = args['open-as'];
  if (openAs !== undefined && !users.some((u) => u.username === openAs)) {
    console.error(
      `--open-as must name a local user (${users.map((u) => u.username).join(', ')}); got "${openAs}"`,
    );
    await stack.stop();
    process.exit(2);
  }
  // The dashboard passes login_hint on to the local issuer, which then signs that user in at once.
  const dashboardLink = openAs
    ? `${endpoints.dashboardUrl}?login_hint=${encodeURIComponent(openAs)}`
    : endpoints.dashboardUrl;
  console.log(banner(stack, dashboardLink, args.data));
  if (openAs && dashboardLink) openBrowser(dashboardLink);

  const abort = new AbortController();
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    abort.abort();
    console.log('\nstopping…');
    await stack.stop();
    console.log('stopped.');
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);

  if (args.simulate) {
    const simulatorArgs = [
      '--connection-string',
      endpoints.iotHub.connectionString,
      ...(args.events ? ['--events'] : []),
      ...(['devices', 'rate', 'bad', 'users'] as const).flatMap((flag) =>
        args[flag] === undefined ? [] : [`--${flag}`, String(args[flag])],
      ),
    ];
    simulateFromCli(simulatorArgs, abort.signal).catch((error: unknown) =>
      console.error(`simulator: ${String(error)}`),
    );
  }
}

main().catch((error: unknown) => {
  console.error(`npm start failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
