import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { parse } from 'yaml';
import { armResourceSpecs } from './validation/armResourceSpecs';

/** One resource of the synthesized graph, as `npm run synth -- --json` prints it. */
export interface SynthesizedResource {
  /** The Pulumi type token, e.g. `azure-native:storage:StorageAccount`. */
  readonly type: string;
  readonly name: string;
  /** The parent component's name, or null at the top. */
  readonly parent: string | null;
  /** What the program sends: for resources without an explicit name, the name azure-native would make up. */
  readonly inputs: Record<string, unknown>;
  /** Logical names of the resources it waits for (explicit `dependsOn` and its inputs' sources). */
  readonly dependsOn: readonly string[];
  readonly ignoreChanges: readonly string[];
  readonly protect: boolean;
}

export class StackConfigFileError extends Error {
  override readonly name = 'StackConfigFileError';
}

const repoRoot = path.resolve(__dirname, '../..');

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

const mockSubscriptionId = '00000000-0000-0000-0000-000000000001';

/**
 * The name azure-native gives a resource whose name input is unset: its logical name plus a
 * random suffix (pulumi-azure-native#3665, #4294). Deterministic here, so synth output is stable.
 */
export function autoName(logicalName: string): string {
  const suffix = createHash('sha256').update(logicalName).digest('hex').slice(0, 7);
  return `${logicalName}${suffix}`;
}

/**
 * Mocked cloud: every resource gets an id and echoes its inputs, with the few outputs the program
 * reads. A resource left unnamed gets the name azure-native would make up, so checks see what ARM
 * would receive, not a name that only the mocks accept.
 */
const mocks: pulumi.runtime.Mocks = {
  newResource: ({ type, name, inputs }) => {
    const nameKey = armResourceSpecs[type]?.nameKey;
    if (nameKey && (inputs[nameKey] === undefined || inputs[nameKey] === ''))
      inputs[nameKey] = autoName(name);
    const state: Record<string, unknown> = {
      ...inputs,
      name: (nameKey ? inputs[nameKey] : undefined) ?? inputs.name ?? name,
    };
    let id = `${name}-id`;
    const group = `/subscriptions/${mockSubscriptionId}/resourceGroups/${String(inputs.resourceGroupName)}`;
    // Real ARM ids where rules read them (role scopes on an account or one container).
    if (type === 'azure-native:storage:StorageAccount')
      id = `${group}/providers/Microsoft.Storage/storageAccounts/${String(inputs.accountName)}`;
    if (type === 'azure-native:storage:BlobContainer')
      id = `${group}/providers/Microsoft.Storage/storageAccounts/${String(inputs.accountName)}/blobServices/default/containers/${String(inputs.containerName)}`;
    if (type === 'azure-native:storage:Table')
      id = `${group}/providers/Microsoft.Storage/storageAccounts/${String(inputs.accountName)}/tableServices/default/tables/${String(inputs.tableName)}`;
    if (type === 'azure-native:storage:Queue')
      id = `${group}/providers/Microsoft.Storage/storageAccounts/${String(inputs.accountName)}/queueServices/default/queues/${String(inputs.queueName)}`;
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
    if (type === 'azure-native:managedidentity:UserAssignedIdentity') {
      state.principalId = `${name}-principal`;
      state.clientId = `${name}-client`;
    }
    if (type === 'azure-native:signalrservice:SignalR')
      state.hostName = `${name}.service.signalr.net`;
    if (type === 'azure-native:keyvault:Secret')
      state.properties = {
        secretUri: `https://vault.vault.azure.net/secrets/${inputs.secretName}`,
        secretUriWithVersion: `https://vault.vault.azure.net/secrets/${inputs.secretName}/0123456789abcdef0123456789abcdef`,
      };
    // Entra assigns the application (client) id; a fixed GUID stands in for it.
    if (type === 'azuread:index/application:Application') {
      state.clientId = '00000000-0000-4000-8000-0000000000a1';
      id = '/applications/00000000-0000-4000-8000-0000000000b1';
    }
    if (type === 'azure-native:applicationinsights:Component')
      state.connectionString = `InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://${name}.in.applicationinsights.azure.com/`;
    return { id, state };
  },
  call: ({ token }) => {
    switch (token) {
      case 'azure-native:authorization:getClientConfig':
        return {
          subscriptionId: mockSubscriptionId,
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

/** Pulumi's wire marker for a secret value: `{ [secretSig]: secretSigValue, value }`. */
const secretSig = '4dabf18193072939515e22adb298388d';

/** The inputs with secrets unwrapped to their (mock) values, as the provider would send them. */
function revealSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(revealSecrets);
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  if (secretSig in record) return revealSecrets(record.value);
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, revealSecrets(v)]));
}

interface RegisterResourceRequest {
  getType(): string;
  getName(): string;
  getDependenciesList(): string[];
  getIgnorechangesList(): string[];
  getProtect(): boolean;
}

interface MockMonitorLike {
  getRegisteredResources(): Map<string, { urn: string }>;
  registerResource(request: RegisterResourceRequest, callback: unknown): unknown;
}

/** The resource options a mock cannot see, read off the registration request. */
interface RegistrationOptions {
  readonly dependencies: readonly string[];
  readonly ignoreChanges: readonly string[];
  readonly protect: boolean;
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
        const result = mocks.newResource(args);
        inputsByKey.set(
          `${args.type}::${args.name}`,
          revealSecrets(args.inputs) as Record<string, unknown>,
        );
        return result;
      },
      call: mocks.call,
    },
    'fieldline',
    stack,
    false,
  );
  const monitor = pulumi.runtime.getMonitor() as unknown as MockMonitorLike;
  const optionsByKey = new Map<string, RegistrationOptions>();
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (request, callback) => {
    optionsByKey.set(`${request.getType()}::${request.getName()}`, {
      dependencies: request.getDependenciesList(),
      ignoreChanges: request.getIgnorechangesList(),
      protect: request.getProtect(),
    });
    return register(request, callback);
  };
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
    const options = optionsByKey.get(`${type}::${name}`);
    return {
      type,
      name,
      parent,
      inputs: inputsByKey.get(`${type}::${name}`) ?? {},
      dependsOn: (options?.dependencies ?? []).map((urn) => urn.split('::').at(-1) ?? urn),
      ignoreChanges: options?.ignoreChanges ?? [],
      protect: options?.protect ?? false,
    };
  });
}
