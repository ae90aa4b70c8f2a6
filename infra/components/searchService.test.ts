import { describe, expect, it } from 'vitest';
import { tracksIndex } from '../../functions/src/catalog/tracksIndex';
import { requireLikePulumi } from '../offline/loadLikePulumi';
import { childrenOf, synthesizeComponent } from './componentTesting';
import { builtInRoles } from './roles';
import type * as searchService from './searchService';

// Its index is a dynamic resource, whose provider Pulumi serialises: loaded as Pulumi loads it.
const { SearchService } = requireLikePulumi<typeof searchService>(
  'infra/components/searchService.ts',
);

const args = {
  serviceName: 'fl-dev-search-abc123',
  resourceGroupName: 'fl-dev',
  location: 'westeurope',
  sku: 'free' as const,
  replicas: 1,
  partitions: 1,
  indexes: [tracksIndex],
  deployerObjectId: 'deployer',
  subscriptionId: 'sub',
};

describe('SearchService', () => {
  it('creates the indexes at deploy time with the deployer’s Search Service Contributor, keys off', async () => {
    const { resources, registeredOutputs } = await synthesizeComponent(
      () => new SearchService('search', args),
    );
    const children = childrenOf(resources, 'search');
    expect(children.find((r) => r.type === 'azure-native:search:Service')?.inputs).toMatchObject({
      disableLocalAuth: true,
      sku: { name: 'free' },
    });
    const grant = children.find((r) => r.type === 'azure-native:authorization:RoleAssignment');
    expect(grant?.inputs).toMatchObject({
      principalId: 'deployer',
      roleDefinitionId: `/subscriptions/sub/providers/Microsoft.Authorization/roleDefinitions/${builtInRoles.searchServiceContributor}`,
    });
    const index = children.find((r) => r.name === 'search-index-tracks');
    expect(JSON.parse(String(index?.inputs.definition))).toEqual(tracksIndex);
    expect(index?.dependsOn).toContain(grant?.name);
    expect(registeredOutputs.search).toEqual(['endpoint']);
  });

  it('refuses index names the service would not take, before creating anything', async () => {
    const { error, resources } = await synthesizeComponent(
      () =>
        new SearchService('search', {
          ...args,
          indexes: [{ ...tracksIndex, name: 'Tracks' }, tracksIndex, tracksIndex],
        }),
    );
    expect(error?.message).toBe(
      'SearchService search: index name Tracks: lower-case letters, digits and single dashes, at most 128; index names repeat: tracks',
    );
    expect(childrenOf(resources, 'search')).toEqual([]);
  });
});
