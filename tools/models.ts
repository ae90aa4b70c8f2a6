import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { readOptions } from './cliArgs';
import type { LocalEndpoints } from './localEndpoints';
import { importModels, type ModelApi } from './modelTools/modelImport';
import { clientToken } from './tokens';

const usage =
  'npm run models -- import <folder> [--api https://<app>.azurewebsites.net/api --token <bearer token with Fleet.Admin and Fleet.Read>]';

/**
 * `npm run models -- import <folder>`: stores a folder of DTDL models through fieldline's models
 * API, in the models repository's layout or as IoT Central exports them. Against the running local
 * cloud by default (its Fleet.Admin client); against a stage with `--api` and `--token` (or
 * FIELDLINE_TOKEN). Exits 1 if any file was rejected.
 */
async function main(argv: readonly string[]): Promise<number> {
  const [command, folder, ...rest] = argv;
  const read = readOptions(rest, { api: 'string', token: 'string' }, usage);
  if ('problem' in read) return fail(read.problem);
  if (command !== 'import' || !folder || folder.startsWith('--'))
    return fail(`say what to import: import <folder>\nusage: ${usage}`);
  const target = await apiTarget(read.values);
  if (typeof target === 'string') return fail(target);
  const summary = await importModels(path.resolve(folder), modelApi(target), (line) =>
    console.log(line),
  ).catch((error: Error & { code?: string }) =>
    error.code === 'ENOENT' || error.code === 'ENOTDIR'
      ? `${folder} is not a folder: give the folder that holds the DTDL files`
      : Promise.reject(error),
  );
  if (typeof summary === 'string') return fail(summary);
  if (summary.files === 0) return fail(`${folder} holds no .json files`);
  console.log(
    `imported ${summary.imported} models from ${summary.files} files; ${summary.rejected.length} rejected`,
  );
  for (const { file, reason } of summary.rejected) console.error(`rejected ${file}: ${reason}`);
  return summary.rejected.length > 0 ? 1 : 0;
}

async function apiTarget(options: { api?: string; token?: string }) {
  if (options.api) {
    const token = options.token ?? process.env.FIELDLINE_TOKEN;
    if (!token)
      return '--api needs --token (or FIELDLINE_TOKEN): a bearer token with Fleet.Admin and Fleet.Read';
    return { baseUrl: options.api.replace(/\/$/, ''), token: async () => token };
  }
  const local = await readFile(path.resolve('.fieldline/local.json'), 'utf8')
    .then((text) => JSON.parse(text) as LocalEndpoints)
    .catch(() => undefined);
  if (!local) return 'no local cloud: start it (npm start), or pass --api and --token for a stage';
  // The list is a read, the import a write: the local cloud has one client for each role.
  return {
    baseUrl: local.apiBaseUrl,
    token: (role: 'Fleet.Admin' | 'Fleet.Read') => clientToken(local.identity, role),
  };
}

function modelApi(target: {
  baseUrl: string;
  token: (role: 'Fleet.Admin' | 'Fleet.Read') => Promise<string>;
}): ModelApi {
  const call = async (method: string, route: string, body?: unknown) =>
    fetch(`${target.baseUrl}${route}`, {
      method,
      headers: {
        authorization: `Bearer ${await target.token(method === 'GET' ? 'Fleet.Read' : 'Fleet.Admin')}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const reason = async (response: Response) => {
    const body = (await response.json().catch(() => undefined)) as
      | { error?: { message?: string } }
      | undefined;
    return body?.error?.message ?? `the API answered ${response.status}`;
  };
  return {
    async storedDtmis() {
      const response = await call('GET', '/models');
      if (!response.ok) throw new Error(`listing the stored models: ${await reason(response)}`);
      const models = (await response.json()) as { dtmi: string }[];
      return new Set(models.map((model) => model.dtmi));
    },
    async put(dtmi, model) {
      const response = await call('PUT', `/models/${encodeURIComponent(dtmi)}`, model);
      if (response.ok) {
        await response.body?.cancel();
        return undefined;
      }
      return response.status === 413
        ? `over the models API's size limit (${await reason(response)})`
        : reason(response);
    },
  };
}

function fail(message: string): number {
  console.error(message);
  return 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: Error) => {
    console.error(`models: ${error.message}`);
    process.exitCode = 1;
  },
);
