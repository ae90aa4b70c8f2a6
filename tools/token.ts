import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { type AppRole, appRoleNames } from '../functions/src/hosting';
import { readOptions } from './cliArgs';
import type { LocalEndpoints } from './localEndpoints';
import { clientToken, userToken } from './tokens';

const usage = `npm run token -- --role <${appRoleNames.join('|')}> | --user <local user>`;

/**
 * `npm run token`: prints a bearer token from the running local cloud's issuer, for curl:
 *   curl -H "Authorization: Bearer $(npm run -s token -- --role Fleet.Read)" http://127.0.0.1:7071/api/devices
 */
export async function tokenFromCli(argv: readonly string[]): Promise<number> {
  const read = readOptions(argv, { role: 'string', user: 'string' }, usage);
  if ('problem' in read) {
    console.error(read.problem);
    return 2;
  }
  const args = read.values;
  if ((args.role === undefined) === (args.user === undefined)) {
    console.error(`give exactly one of --role and --user\nusage: ${usage}`);
    return 2;
  }
  let local: LocalEndpoints;
  try {
    local = JSON.parse(
      await readFile(path.resolve('.fieldline/local.json'), 'utf8'),
    ) as LocalEndpoints;
  } catch {
    console.error('no .fieldline/local.json: start the local cloud first (npm start)');
    return 2;
  }
  if (args.role !== undefined && !appRoleNames.includes(args.role as AppRole)) {
    console.error(`--role must be one of ${appRoleNames.join(', ')}; got "${args.role}"`);
    return 2;
  }
  try {
    const token = args.role
      ? await clientToken(local.identity, args.role as AppRole)
      : await userToken(local.identity, args.user as string);
    console.log(token);
    return 0;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error(
      /fetch failed|ECONNREFUSED/.test(message)
        ? `the local issuer at ${local.identity.issuer} does not answer: is npm start running?`
        : message,
    );
    return 1;
  }
}

if (require.main === module) tokenFromCli(process.argv.slice(2)).then((code) => process.exit(code));
