import { type Env, nonEmpty } from './settingReaders';

/** How the app reaches a storage account: a connection string locally, managed identity in Azure. */
export type StorageConnection =
  | { readonly kind: 'connectionString'; readonly connectionString: string }
  | {
      readonly kind: 'identity';
      readonly tableServiceUri: string;
      readonly queueServiceUri: string;
      readonly blobServiceUri: string;
      /** Client id of a user-assigned identity; absent for the system-assigned one. */
      readonly clientId?: string;
    };

/** A storage account's setting, as a connection string or in the host's identity-based `<name>__*` form. */
export function readStorageConnection(
  env: Env,
  name: string,
  problems: string[],
): StorageConnection | undefined {
  const connectionString = nonEmpty(env[name]);
  if (connectionString !== undefined) {
    if (
      !/AccountName=|UseDevelopmentStorage=true|BlobEndpoint=|TableEndpoint=/i.test(
        connectionString,
      )
    ) {
      problems.push(
        `${name} is not a storage connection string (expected "DefaultEndpointsProtocol=...;AccountName=...").`,
      );
      return undefined;
    }
    return { kind: 'connectionString', connectionString };
  }
  // Identity-based form, as the Functions host reads it: <name>__accountName or <name>__<service>ServiceUri.
  const accountName = nonEmpty(env[`${name}__accountName`]);
  const serviceUri = (service: 'table' | 'queue' | 'blob'): string | undefined =>
    nonEmpty(env[`${name}__${service}ServiceUri`]) ??
    (accountName ? `https://${accountName}.${service}.core.windows.net` : undefined);
  const tableServiceUri = serviceUri('table');
  const queueServiceUri = serviceUri('queue');
  const blobServiceUri = serviceUri('blob');
  if (!tableServiceUri || !queueServiceUri || !blobServiceUri) {
    problems.push(
      `${name} is missing: set ${name} to a storage connection string, or ${name}__accountName for managed identity.`,
    );
    return undefined;
  }
  const clientId = nonEmpty(env[`${name}__clientId`]);
  return {
    kind: 'identity',
    tableServiceUri,
    queueServiceUri,
    blobServiceUri,
    ...(clientId ? { clientId } : {}),
  };
}
