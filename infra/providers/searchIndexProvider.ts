import type { SearchIndex, SearchIndexClient } from '@azure/search-documents';
import type * as pulumi from '@pulumi/pulumi';
import { dataPlaneVersions } from '../../functions/src/settings/dataPlaneVersions';
import { createArmCredential } from './armCredential';
import { retryWhile, statusOf } from './retryWhile';

export interface SearchIndexInputs {
  /** `https://<service>.search.windows.net` */
  readonly endpoint: string;
  /** The index definition as @azure/search-documents takes it, serialised (its `name` is the index's). */
  readonly definition: string;
}

export interface SearchIndexDeps {
  /** By default through Entra ID, signed in as azure-native is (the service has API keys off). */
  readonly client?: (endpoint: string) => Promise<SearchIndexClient>;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly maxAttempts?: number;
}

/**
 * Creates or updates a search index at deploy time, with the deployer's rights, so the app itself
 * needs only Search Index Data Contributor (documents), not Search Service Contributor. Retries
 * 403 while the deployer's new role assignment applies, and throttling. Deleting the resource
 * leaves the index (and its documents) in place: the service goes with the stage.
 */
export function createSearchIndexProvider(
  deps: SearchIndexDeps = {},
): pulumi.dynamic.ResourceProvider {
  async function apply(inputs: SearchIndexInputs): Promise<string> {
    const definition = JSON.parse(inputs.definition) as SearchIndex;
    const client =
      (await deps.client?.(inputs.endpoint)) ??
      (await (async () => {
        const search = await import('@azure/search-documents');
        return new search.SearchIndexClient(inputs.endpoint, await createArmCredential(), {
          serviceVersion: dataPlaneVersions.search,
        }) as SearchIndexClient;
      })());
    try {
      const index = await retryWhile(() => client.createOrUpdateIndex(definition), {
        retriable: (error) => {
          const status = statusOf(error) ?? 0;
          return status === 403 || status === 429 || status >= 500;
        },
        attempts: deps.maxAttempts ?? 12,
        capMs: 30_000,
        ...(deps.sleep ? { sleep: deps.sleep } : {}),
      });
      return index.name;
    } catch (error) {
      throw new Error(
        `creating the search index ${definition.name} at ${inputs.endpoint} failed (${statusOf(error) || 'no answer'}): ${(error as Error).message}`,
      );
    }
  }

  return {
    async create(inputs: SearchIndexInputs) {
      const name = await apply(inputs);
      return { id: `${inputs.endpoint}/indexes/${name}`, outs: { ...inputs, name } };
    },
    async diff(_id: string, olds: SearchIndexInputs, news: SearchIndexInputs) {
      return {
        changes: olds.endpoint !== news.endpoint || olds.definition !== news.definition,
        replaces: olds.endpoint !== news.endpoint ? ['endpoint'] : [],
        deleteBeforeReplace: false,
      };
    },
    async update(_id: string, _olds: SearchIndexInputs, news: SearchIndexInputs) {
      const name = await apply(news);
      return { outs: { ...news, name } };
    },
  };
}
