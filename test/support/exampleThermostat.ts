import { type ChildProcess, spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import path from 'node:path';
import type { LocalEndpoints } from '../../tools/localEndpoints';

const script = path.resolve(__dirname, '../../examples/thermostat.cjs');

/** What an operator hands a device: its key, derived from the group key for its id alone. */
export function deriveDeviceKey(groupKey: string, registrationId: string): string {
  return createHmac('sha256', Buffer.from(groupKey, 'base64'))
    .update(registrationId)
    .digest('base64');
}

/**
 * Runs examples/thermostat.cjs as a device would: its own process, the SDKs only, given the DPS
 * host and ID scope from local.json, its registration id and key, and the local CA to trust.
 */
export function runThermostat(
  stack: { readonly endpoints: Pick<LocalEndpoints, 'provisioning' | 'iotHub'> },
  deviceId: string,
  key: string,
  options: { readonly idScope?: string; readonly modelId?: string } = {},
): { child: ChildProcess; output: string[]; exited: Promise<number | null> } {
  const { endpoints } = stack;
  const output: string[] = [];
  const child = spawn(process.execPath, [script], {
    env: {
      PATH: process.env.PATH ?? '',
      NODE_EXTRA_CA_CERTS: endpoints.iotHub.caPath,
      DPS_HOST: endpoints.provisioning.host,
      DPS_ID_SCOPE: options.idScope ?? endpoints.provisioning.idScope,
      ...(options.modelId ? { MODEL_ID: options.modelId } : {}),
      DEVICE_ID: deviceId,
      DEVICE_KEY: key,
      INTERVAL_MS: '200',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { child, output, exited };
}
