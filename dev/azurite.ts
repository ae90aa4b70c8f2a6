import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort, waitForPort } from '@fieldline/emulator-kit';

export interface AzuriteOptions {
  readonly blobPort?: number;
  readonly queuePort?: number;
  readonly tablePort?: number;
  /** Keep data in this folder across restarts; in memory when absent. */
  readonly dataDir?: string;
  /** Print Azurite's own output (access logs stay off). */
  readonly verbose?: boolean;
}

export interface RunningAzurite {
  readonly blobPort: number;
  readonly queuePort: number;
  readonly tablePort: number;
  /** A storage connection string for the emulator's well-known development account. */
  readonly connectionString: string;
  stop(): Promise<void>;
}

// Azurite's documented development account. The key is public and only ever valid for the emulator.
const account = 'devstoreaccount1';
const accountKey =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export function azuriteConnectionString(ports: {
  blobPort: number;
  queuePort: number;
  tablePort: number;
}): string {
  const endpoint = (port: number) => `http://127.0.0.1:${port}/${account}`;
  return [
    'DefaultEndpointsProtocol=http',
    `AccountName=${account}`,
    `AccountKey=${accountKey}`,
    `BlobEndpoint=${endpoint(ports.blobPort)}`,
    `QueueEndpoint=${endpoint(ports.queuePort)}`,
    `TableEndpoint=${endpoint(ports.tablePort)}`,
  ].join(';');
}

// Runs Azurite's CLI in a process that exits when its stdin closes, which happens when the parent
// dies for any reason, so a crashed test or Ctrl-C never leaves an emulator holding its ports.
const exitWithParent = [
  // Azurite's own SIGTERM handler closes its servers, which saves its database; then the loop drains.
  "process.stdin.on('end', () => { process.stdin.destroy(); process.kill(process.pid, 'SIGTERM');",
  ' setTimeout(() => process.exit(0), 10000).unref(); }).resume();',
  'const [cli, ...args] = process.argv.slice(1);',
  'process.argv = [process.argv[0], cli, ...args];',
  'require(cli);',
].join('');

/**
 * Starts Azurite (from npm, no download) as a child process for blobs, queues and tables, on the
 * given ports or free ones, and resolves when all three accept connections.
 */
export async function startAzurite(options: AzuriteOptions = {}): Promise<RunningAzurite> {
  const blobPort = options.blobPort ?? (await freePort());
  const queuePort = options.queuePort ?? (await freePort());
  const tablePort = options.tablePort ?? (await freePort());
  if (options.dataDir) await mkdir(options.dataDir, { recursive: true });
  const workDir = options.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'fieldline-azurite-')));
  const args = [
    '-e',
    exitWithParent,
    require.resolve('azurite/dist/src/azurite.js'),
    ...[
      '--blobPort',
      String(blobPort),
      '--queuePort',
      String(queuePort),
      '--tablePort',
      String(tablePort),
    ],
    ...(options.dataDir ? ['--location', options.dataDir] : ['--inMemoryPersistence']),
    '--disableTelemetry',
    '--skipApiVersionCheck',
    '--loose',
    '--silent',
  ];
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: workDir,
    stdio: ['pipe', options.verbose ? 'inherit' : 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<never>((_, reject) => {
    child.once('exit', (code) =>
      reject(new Error(`Azurite exited with code ${code} before it was ready:\n${stderr}`)),
    );
    child.once('error', (error) =>
      reject(new Error(`Azurite could not be started: ${error.message}`)),
    );
  });
  try {
    await Promise.race([
      Promise.all([blobPort, queuePort, tablePort].map((port) => waitForPort(port, 30_000))),
      exited,
    ]);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  exited.catch(() => undefined);

  return {
    blobPort,
    queuePort,
    tablePort,
    connectionString: azuriteConnectionString({ blobPort, queuePort, tablePort }),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const gone = new Promise((resolve) => child.once('exit', resolve));
        child.stdin?.end(); // the wrapper exits when its stdin ends
        const escalate = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await gone;
        clearTimeout(escalate);
      }
      if (!options.dataDir) await rm(workDir, { recursive: true, force: true });
    },
  };
}
