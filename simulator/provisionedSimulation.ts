import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { LocalEndpoints } from '../tools/localEndpoints';
import { clientToken } from '../tools/tokens';
import type { SimulatedProvisioning } from './provisionedDevices';
import { thermostatModelId } from './thermostatBehaviour';

// What `npm run simulate -- --provision` needs before its devices start: where DPS is, the local
// CA trusted by the whole process, and the thermostat's model stored so that checks follow it.

const thermostatModel = path.resolve(
  __dirname,
  '../examples/models/dtmi/com/example/thermostat-1.json',
);

/** DPS from the flags (a stage) or from local.json (the local cloud); a problem otherwise. */
export function provisioningOf(
  args: { readonly 'id-scope'?: string; readonly 'group-key'?: string },
  local: LocalEndpoints | undefined,
): SimulatedProvisioning | string {
  const idScope = args['id-scope'] ?? local?.provisioning.idScope;
  const groupKey = args['group-key'] ?? local?.provisioning.enrollmentGroup.primaryKey;
  if (!idScope || !groupKey)
    return "--provision needs a DPS: start the local cloud (npm start), or give a stage's --id-scope and an enrollment group's --group-key";
  const host =
    args['id-scope'] || !local ? 'global.azure-devices-provisioning.net' : local.provisioning.host;
  return { host, idScope, groupKey, modelId: thermostatModelId };
}

/**
 * Runs this simulator again, as a child with NODE_EXTRA_CA_CERTS naming the local CA, unless this
 * process trusts it already; the child's exit code, or undefined when this process may go on.
 */
export async function trustLocalCa(
  caPath: string,
  argv: readonly string[],
  signal: AbortSignal | undefined,
): Promise<number | undefined> {
  if (process.env.NODE_EXTRA_CA_CERTS === caPath) return undefined;
  const child = spawn(
    process.execPath,
    [
      ...process.execArgv,
      __filename.replace(/provisionedSimulation\.[jt]s$/, 'simulate.ts'),
      ...argv,
    ],
    {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: caPath },
      stdio: 'inherit',
    },
  );
  signal?.addEventListener('abort', () => child.kill('SIGINT'), { once: true });
  return new Promise((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
}

/** Stores the thermostat's model in the local cloud, so its commands and desired values are checked. */
export async function storeThermostatModel(local: LocalEndpoints): Promise<void> {
  const model = await readFile(thermostatModel, 'utf8');
  const response = await fetch(
    `${local.apiBaseUrl}/models/${encodeURIComponent(thermostatModelId)}`,
    {
      method: 'PUT',
      headers: {
        authorization: `Bearer ${await clientToken(local.identity, 'Fleet.Admin')}`,
        'content-type': 'application/json',
      },
      body: model,
    },
  );
  if (!response.ok)
    throw new Error(
      `storing ${thermostatModelId} failed: ${response.status} ${await response.text()}`,
    );
}
