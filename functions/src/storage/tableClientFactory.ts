import type { TableClient, TableServiceClientOptions } from '@azure/data-tables';
import { appIdentity } from '../host/identityCredential';
import { lazy } from '../host/lazy';
import type { StorageConnection } from '../settings/config';

type TablesModule = typeof import('@azure/data-tables');

export type PipelinePolicies = NonNullable<TableServiceClientOptions['additionalPolicies']>;

export interface TableClientFactoryOptions {
  /** Extra pipeline policies, e.g. a request counter in benchmarks. */
  readonly additionalPolicies?: PipelinePolicies;
  /** SDK retry settings; tests shorten them so an outage surfaces quickly. */
  readonly retryOptions?: TableServiceClientOptions['retryOptions'];
}

/** A table whose client is created on first use (and, locally, the table too). */
export interface LazyTable {
  readonly name: string;
  client(): Promise<TableClient>;
}

/**
 * Creates table handles for one storage account. Clients are created once and reused across
 * invocations, as Azure's guidance for SDK clients in Functions recommends.
 */
export function createTableClientFactory(
  connection: StorageConnection,
  options: TableClientFactoryOptions = {},
): (tableName: string) => LazyTable {
  const clientOptions: TableServiceClientOptions = {
    ...(options.additionalPolicies ? { additionalPolicies: options.additionalPolicies } : {}),
    ...(options.retryOptions ? { retryOptions: options.retryOptions } : {}),
  };
  const tables = new Map<string, LazyTable>();

  const createClient = async (tableName: string): Promise<TableClient> => {
    // Loaded on the first table a worker touches: the SDK and its XML and HTTP dependencies are a
    // fifth of the bundle, and a cold start need not read them before it registers the functions.
    // `import()` resolves the package's ES module build; its types are the CommonJS ones'.
    const { TableClient } = (await import('@azure/data-tables')) as unknown as TablesModule;
    if (connection.kind === 'connectionString') {
      return TableClient.fromConnectionString(connection.connectionString, tableName, {
        ...clientOptions,
        // Local emulators speak plain HTTP; Azure endpoints in a connection string stay HTTPS-only.
        allowInsecureConnection: /(^|;)(TableEndpoint|DefaultEndpointsProtocol)=http(:|;|$)/i.test(
          connection.connectionString,
        ),
      });
    }
    const credential = await appIdentity(connection.clientId);
    return new TableClient(connection.tableServiceUri, tableName, credential, clientOptions);
  };

  return (tableName) => {
    const existing = tables.get(tableName);
    if (existing) return existing;
    const table: LazyTable = {
      name: tableName,
      client: lazy(async () => {
        const client = await createClient(tableName);
        // Locally the app makes its tables (idempotent: the SDK treats "already exists" as
        // success). In Azure the stack declares them, and the app's role is scoped to each one,
        // which grants no right to create tables.
        if (connection.kind === 'connectionString') await client.createTable();
        return client;
      }),
    };
    tables.set(tableName, table);
    return table;
  };
}
