/** What an emulator's `start(options)` returns: where it listens, and how to stop it. */
export interface RunningEmulator {
  /** Each endpoint a client needs, by name (for example `http`, `mqtts`, `connectionString`). */
  readonly urls: Readonly<Record<string, string>>;
  stop(): Promise<void>;
}

export interface EmulatorCliOptions {
  readonly name: string;
  readonly defaultPort: number;
  readonly start: (options: { readonly port: number }) => Promise<RunningEmulator>;
}

/**
 * The whole command line of an emulator's `bin`: `--port <n>` (0 picks a free one), `--help`.
 * Prints the endpoints, then runs until SIGINT or SIGTERM. Returns the exit code.
 */
export async function runEmulatorCli(
  argv: readonly string[],
  { name, defaultPort, start }: EmulatorCliOptions,
  out: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Promise<number> {
  const usage = `usage: ${name} [--port <n>]   (default ${defaultPort}; 0 picks a free port)`;
  let port = defaultPort;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      out(usage);
      return 0;
    }
    const value = arg === '--port' ? argv[++i] : undefined;
    const parsed = value === undefined ? Number.NaN : Number(value);
    if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65_535) {
      out(
        arg === '--port'
          ? `${name}: --port needs a whole number from 0 to 65535, not ${JSON.stringify(value ?? '')}\n${usage}`
          : `${name}: unknown option ${JSON.stringify(arg)}\n${usage}`,
      );
      return 2;
    }
    port = parsed;
  }
  const running = await start({ port });
  for (const [label, url] of Object.entries(running.urls)) out(`${name} ${label}: ${url}`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await running.stop();
  return 0;
}
