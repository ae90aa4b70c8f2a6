import type { TokenCredential } from '@azure/identity';

/**
 * The app's managed identity (a user-assigned one when `clientId` is given). The identity SDK is
 * imported here, lazily, so local runs and cold starts that use connection strings never load it.
 */
export async function appIdentity(clientId: string | undefined): Promise<TokenCredential> {
  const { DefaultAzureCredential } = await import('@azure/identity');
  return new DefaultAzureCredential(clientId ? { managedIdentityClientId: clientId } : {});
}
