import type { StorageConnection } from './config';
import { appIdentity } from './identityCredential';

// The SDK is imported lazily, so its types come from that import (its ES module build).
const loadBlobSdk = () => import('@azure/storage-blob');
type BlobServiceClient = InstanceType<Awaited<ReturnType<typeof loadBlobSdk>>['BlobServiceClient']>;
export type BlobClient = ReturnType<
  ReturnType<BlobServiceClient['getContainerClient']>['getBlobClient']
>;

/**
 * Blob clients for one storage account, created on first use: from a connection string locally,
 * with the managed identity in Azure (the account has no shared keys there).
 */
export function createBlobClientFactory(
  connection: StorageConnection,
): (container: string, blob: string) => Promise<BlobClient> {
  const service = (async () => {
    const { BlobServiceClient } = await loadBlobSdk();
    if (connection.kind === 'connectionString')
      return BlobServiceClient.fromConnectionString(connection.connectionString);
    return new BlobServiceClient(connection.blobServiceUri, await appIdentity(connection.clientId));
  })();
  // A failed start (bad connection) is retried on the next call rather than remembered.
  service.catch(() => undefined);
  return async (container, blob) =>
    (await service).getContainerClient(container).getBlobClient(blob);
}
