import { appIdentity } from '../host/identityCredential';
import { lazy } from '../host/lazy';
import type { StorageConnection } from '../settings/config';

// The SDK is imported lazily, so its types come from that import (its ES module build).
const loadBlobSdk = () => import('@azure/storage-blob');
type BlobServiceClient = InstanceType<Awaited<ReturnType<typeof loadBlobSdk>>['BlobServiceClient']>;
export type BlobClient = ReturnType<
  ReturnType<BlobServiceClient['getContainerClient']>['getBlobClient']
>;

/**
 * Blob clients for one storage account, created on first use (a failed start is retried): from a connection string locally,
 * with the managed identity in Azure (the account has no shared keys there).
 */
export function createBlobClientFactory(
  connection: StorageConnection,
): (container: string, blob: string) => Promise<BlobClient> {
  const service = lazy(async () => {
    const { BlobServiceClient } = await loadBlobSdk();
    if (connection.kind === 'connectionString')
      return BlobServiceClient.fromConnectionString(connection.connectionString);
    return new BlobServiceClient(connection.blobServiceUri, await appIdentity(connection.clientId));
  });
  return async (container, blob) =>
    (await service()).getContainerClient(container).getBlobClient(blob);
}
