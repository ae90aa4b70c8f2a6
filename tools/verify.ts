import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { AppRole } from '../functions/src/hosting';
import { createArmCredential } from '../infra/providers/armCredential';
import { readOptions } from './cliArgs';
import type { LocalEndpoints } from './localEndpoints';
import { clientToken } from './tokens';
import {
  type CheckResult,
  checkStage,
  formatResult,
  type StageUnderTest,
  verifyRoles,
} from './verify/stageChecks';

const usage = 'npm run verify -- --stack <stage> [--outputs <stack outputs .json>] | --local';

/** What `pulumi stack output --json` prints of the outputs verify reads (infra/index.ts). */
interface StackOutputs {
  readonly apiUrl: string;
  readonly iotHubHostName: string;
  readonly apiTokenScope: string;
}

/** The local cloud from `.fieldline/local.json`: one local client per role, as `npm run token`. */
export function localStage(local: LocalEndpoints): StageUnderTest {
  return {
    apiBaseUrl: local.apiBaseUrl,
    deviceRestUrl: local.iotHub.url,
    token: (role) => clientToken(local.identity, role),
    readbackTimeoutMs: 20_000,
  };
}

/**
 * A deployed stage from its stack outputs. The token is app-only, for the API's identifier URI,
 * from the principal the deployment signs in with (the `ARM_*` variables, else the Azure CLI); it
 * must hold Fleet.Read, Fleet.Operate and Fleet.Admin on the stage's app registration.
 */
export function azureStage(
  outputs: StackOutputs,
  getToken: (scope: string) => Promise<string>,
): StageUnderTest {
  let token: Promise<string> | undefined;
  return {
    apiBaseUrl: outputs.apiUrl.replace(/\/$/, ''),
    deviceRestUrl: `https://${outputs.iotHubHostName}`,
    token: async (role: AppRole) => {
      token ??= getToken(outputs.apiTokenScope);
      const value = await token;
      const roles = tokenRoles(value);
      if (!roles.includes(role))
        throw new Error(
          `the verifying identity's token has no ${role} role (it has: ${roles.join(', ') || 'none'}); assign it ${verifyRoles.join(', ')} on the stage's app registration (docs/deploy.md, "Deploy from CI")`,
        );
      return value;
    },
    // Ingestion in Azure goes through IoT Hub's built-in endpoint and a Flex instance that may
    // be starting: allow it two minutes.
    readbackTimeoutMs: 120_000,
  };
}

function tokenRoles(token: string): string[] {
  try {
    const payload = JSON.parse(
      Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'),
    ) as { roles?: unknown };
    return Array.isArray(payload.roles) ? payload.roles.map(String) : [];
  } catch {
    return [];
  }
}

async function stackOutputs(stack: string, file: string | undefined): Promise<StackOutputs> {
  const text = file
    ? await readFile(file, 'utf8')
    : (
        await promisify(execFile)('pulumi', ['stack', 'output', '--json', '--stack', stack], {
          cwd: path.resolve(__dirname, '..'),
        }).catch((error: NodeJS.ErrnoException & { stderr?: string }) => {
          throw new Error(
            error.code === 'ENOENT'
              ? 'reading the stack outputs needs the Pulumi CLI (or pass --outputs <file> from `pulumi stack output --json`)'
              : `pulumi stack output --stack ${stack} failed: ${error.stderr?.trim() ?? error.message}`,
          );
        })
      ).stdout;
  const outputs = JSON.parse(text) as Partial<StackOutputs>;
  const missing = (['apiUrl', 'iotHubHostName', 'apiTokenScope'] as const).filter(
    (key) => typeof outputs[key] !== 'string',
  );
  if (missing.length > 0)
    throw new Error(
      `the stack outputs lack ${missing.join(', ')}: has the stack been deployed (pulumi up)?`,
    );
  return outputs as StackOutputs;
}

/** Runs the checks and prints one line each, then a summary; non-zero when any check failed. */
export async function runVerification(
  stage: StageUnderTest,
  print: (line: string) => void = console.log,
): Promise<{ readonly code: number; readonly results: readonly CheckResult[] }> {
  const results = await checkStage(stage, (result) => print(formatResult(result)));
  const failed = results.filter((r) => !r.ok).length;
  print(`${results.length - failed} passed, ${failed} failed`);
  return { code: failed === 0 ? 0 : 1, results };
}

async function main(argv: readonly string[]): Promise<number> {
  const read = readOptions(argv, { stack: 'string', outputs: 'string', local: 'boolean' }, usage);
  if ('problem' in read) {
    console.error(read.problem);
    return 2;
  }
  const { stack, outputs, local } = read.values;
  if (Boolean(local) === (stack !== undefined)) {
    console.error(`give exactly one of --stack <stage> and --local\nusage: ${usage}`);
    return 2;
  }
  let stage: StageUnderTest;
  try {
    if (local) {
      const file = path.resolve('.fieldline/local.json');
      const endpoints = JSON.parse(
        await readFile(file, 'utf8').catch(() => {
          throw new Error('no .fieldline/local.json: start the local cloud first (npm start)');
        }),
      ) as LocalEndpoints;
      stage = localStage(endpoints);
    } else {
      const credential = await createArmCredential();
      stage = azureStage(await stackOutputs(stack as string, outputs), async (scope) => {
        const token = await credential.getToken(scope);
        if (!token) throw new Error(`no token for ${scope}`);
        return token.token;
      });
    }
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    return 2;
  }
  return (await runVerification(stage)).code;
}

if (require.main === module) main(process.argv.slice(2)).then((code) => process.exit(code));
