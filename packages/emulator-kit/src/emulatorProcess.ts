import { spawn } from 'node:child_process';
import { once } from 'node:events';

export interface EmulatorProcess {
  /** The endpoints the process printed, by label; empty when it exited first. */
  readonly urls: Readonly<Record<string, string>>;
  /** Everything it printed to stdout. */
  readonly output: string;
  /** Sends SIGINT and resolves with the exit code (at once when it has already exited). */
  stop(): Promise<number | null>;
}

/**
 * Runs an emulator's `bin` in its own process and waits until it has printed `count` endpoints
 * (the `<name> <label>: <url>` lines of `runEmulatorCli`) or exited.
 */
export async function spawnEmulator(
  bin: string,
  args: readonly string[],
  count: number,
): Promise<EmulatorProcess> {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  let output = '';
  const urls: Record<string, string> = {};
  await new Promise<void>((resolve) => {
    exited.then(() => resolve());
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      for (const [, label = '', url = ''] of output.matchAll(/^\S+ (\w+): (\S+)$/gm))
        urls[label] = url;
      if (Object.keys(urls).length >= count) resolve();
    });
  });
  return {
    urls,
    get output() {
      return output;
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      return exited;
    },
  };
}
