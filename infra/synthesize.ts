import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { parse } from 'yaml';

/** One resource of the synthesized graph, as `npm run synth -- --json` prints it. */
export interface SynthesizedResource {
  /** The Pulumi type token, e.g. `azure-native:storage:StorageAccount`. */
  readonly type: string;
  readonly name: string;
  /** The parent component's name, or null at the top. */
  readonly parent: string | null;
  readonly inputs: Record<string, unknown>;
}

export class StackConfigFileError extends Error {
  override readonly name = 'StackConfigFileError';
}

const repoRoot = path.resolve(__dirname, '..');

/**
 * The stack's configuration as the Pulumi CLI would pass it: project defaults from `Pulumi.yaml`,
 * overridden by `Pulumi.<stack>.yaml`. Encrypted values cannot be read here; they become a marker.
 */
export function readStackConfig(
  stack: string,
  root = repoRoot,
  file = `Pulumi.${stack}.yaml`,
): Record<string, string> {
  const project = parse(readFileSync(path.join(root, 'Pulumi.yaml'), 'utf8')) as {
    name: string;
    config?: Record<string, { default?: unknown }>;
  };
  let stackFile: { config?: Record<string, unknown> } | undefined;
  try {
    stackFile = parse(readFileSync(path.join(root, file), 'utf8')) ?? {};
  } catch {
    throw new StackConfigFileError(
      `no ${file}: create it with "pulumi stack init ${stack}" and "pulumi config set", or copy Pulumi.dev.yaml`,
    );
  }
  const qualify = (key: string) => (key.includes(':') ? key : `${project.name}:${key}`);
  const config: Record<string, string> = {};
  for (const [key, spec] of Object.entries(project.config ?? {})) {
    if (spec && typeof spec === 'object' && 'default' in spec && spec.default !== undefined)
      config[qualify(key)] = String(spec.default);
  }
  for (const [key, value] of Object.entries(stackFile?.config ?? {})) {
    const secure = value && typeof value === 'object' && 'secure' in value;
    config[qualify(key)] = secure
      ? '[secret]'
      : typeof value === 'string'
        ? value
        : JSON.stringify(value);
  }
  return config;
}

/** Mocked cloud: every resource gets an id and echoes its inputs, with the few outputs the program reads. */
const mocks: pulumi.runtime.Mocks = {
  newResource: ({ type, name, inputs }) => {
    const state: Record<string, unknown> = {
      ...inputs,
      name: inputs.name ?? inputs.accountName ?? name,
    };
    if (type === 'azure-native:storage:StorageAccount') {
      state.primaryEndpoints = {
        blob: `https://${name}.blob.core.windows.net/`,
        web: `https://${name}.z6.web.core.windows.net/`,
      };
    }
    if (type === 'azure-native:web:WebApp') {
      state.defaultHostName = `${name}.azurewebsites.net`;
      state.identity = { type: 'SystemAssigned', principalId: `${name}-principal` };
    }
    if (type === 'azure-native:iothub:IotHubResource') {
      const props = (inputs.properties ?? {}) as Record<string, unknown>;
      state.properties = {
        ...props,
        hostName: `${name}.azure-devices.net`,
        eventHubEndpoints: {
          events: { path: name, endpoint: `sb://${name}.servicebus.windows.net/` },
        },
      };
    }
    if (type === 'azure-native:signalrservice:SignalR')
      state.hostName = `${name}.service.signalr.net`;
    if (type === 'azure-native:keyvault:Secret')
      state.properties = {
        secretUri: `https://vault.vault.azure.net/secrets/${inputs.secretName}`,
      };
    if (type === 'azure-native:applicationinsights:Component')
      state.connectionString = `InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://${name}.in.applicationinsights.azure.com/`;
    return { id: `${name}-id`, state };
  },
  call: ({ token }) => {
    switch (token) {
      case 'azure-native:authorization:getClientConfig':
        return {
          subscriptionId: '00000000-0000-0000-0000-000000000001',
          tenantId: '00000000-0000-0000-0000-000000000002',
          objectId: '00000000-0000-0000-0000-000000000003',
          clientId: 'deployer',
        };
      case 'azure-native:iothub:listIotHubResourceKeysForKeyName':
        return { primaryKey: 'mock-hub-key', secondaryKey: 'mock-hub-key-2' };
      case 'azure-native:cosmosdb:listDatabaseAccountConnectionStrings':
        return {
          connectionStrings: [
            {
              connectionString:
                'mongodb://mock:key@mock.mongo.cosmos.azure.com:10255/?ssl=true&replicaSet=globaldb&retrywrites=true',
              description: 'Primary MongoDB Connection String',
            },
          ],
        };
      default:
        return {};
    }
  },
};

interface MockMonitorLike {
  getRegisteredResources(): Map<string, { urn: string }>;
}

/**
 * Runs the Pulumi program in `infra/` against mocked providers with a stack's configuration and
 * returns every resource it declares. `load` imports the program: tests pass their own loader,
 * the CLI loads it through ts-node as Pulumi's Node.js runtime does.
 */
export async function synthesize(
  stack: string,
  load: () => unknown,
  configFile?: string,
): Promise<SynthesizedResource[]> {
  const config = readStackConfig(stack, repoRoot, configFile);
  pulumi.runtime.setAllConfig(
    config,
    Object.keys(config).filter((key) => config[key] === '[secret]'),
  );
  const inputsByKey = new Map<string, Record<string, unknown>>();
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        inputsByKey.set(`${args.type}::${args.name}`, args.inputs as Record<string, unknown>);
        return mocks.newResource(args);
      },
      call: mocks.call,
    },
    'fieldline',
    stack,
    false,
  );
  const monitor = pulumi.runtime.getMonitor() as unknown as MockMonitorLike;
  await load();
  await pulumi.runtime.disconnect();
  const registered = [...monitor.getRegisteredResources().keys()].map((urn) => {
    const [, , typeChain = '', name = ''] = urn.split('::');
    const chain = typeChain.split('$');
    return { type: chain.at(-1) ?? '', parentType: chain.at(-2), name };
  });
  return registered.map(({ type, parentType, name }) => {
    const parent =
      parentType === undefined
        ? null
        : (registered
            .filter(
              (candidate) => candidate.type === parentType && name.startsWith(`${candidate.name}-`),
            )
            .sort((a, b) => b.name.length - a.name.length)[0]?.name ?? null);
    return { type, name, parent, inputs: inputsByKey.get(`${type}::${name}`) ?? {} };
  });
}
