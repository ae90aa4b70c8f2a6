import type { SearchIndex } from '@azure/search-documents';
import * as search from '@pulumi/azure-native/search';
import * as pulumi from '@pulumi/pulumi';
import type { DynamicInputs } from '../providers/dynamicInputs';
import {
  createSearchIndexProvider,
  type SearchIndexInputs,
} from '../providers/searchIndexProvider';
import type { SearchSku } from '../stageConfig';
import { refuseArgs, repeated } from './componentArgs';
import { grantRole } from './roles';

class SearchIndexDefinition extends pulumi.dynamic.Resource {
  constructor(
    name: string,
    props: DynamicInputs<SearchIndexInputs>,
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(createSearchIndexProvider(), name, props, opts, 'fieldline-searchindex');
  }
}

export interface SearchServiceArgs {
  /** 2-60 lower-case letters, digits and dashes, unique across Azure (see resourceNames). */
  readonly serviceName: pulumi.Input<string>;
  readonly resourceGroupName: pulumi.Input<string>;
  readonly location: pulumi.Input<string>;
  readonly sku: SearchSku;
  readonly replicas: number;
  readonly partitions: number;
  /** Index definitions made at deploy time, by whoever runs `pulumi up`. */
  readonly indexes: readonly SearchIndex[];
  /** Whoever runs `pulumi up`: it is granted Search Service Contributor to write the indexes. */
  readonly deployerObjectId: pulumi.Input<string>;
  readonly subscriptionId: pulumi.Input<string>;
}

/**
 * Azure AI Search for the catalog's `tracks` index. API keys are off (`disableLocalAuth`, with no
 * `authOptions`, which the service requires together). The indexes are created here, with the
 * deployer's rights (Search Service Contributor on this service), so the app's identity needs only
 * Search Index Data Contributor for documents.
 * https://learn.microsoft.com/azure/search/search-security-enable-roles
 * The free tier allows one service per subscription; a second free stage needs basic.
 */
export class SearchService extends pulumi.ComponentResource {
  readonly service: search.Service;
  /** `https://<name>.search.windows.net`, the app's SEARCH_ENDPOINT. */
  readonly endpoint: pulumi.Output<string>;

  constructor(name: string, args: SearchServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super('fieldline:search:SearchService', name, {}, opts);
    const names = args.indexes.map((index) => index.name);
    refuseArgs('SearchService', name, [
      // https://learn.microsoft.com/rest/api/searchservice/naming-rules
      ...names
        .filter((n) => !/^[a-z0-9][a-z0-9-]{0,127}$/.test(n) || n.includes('--'))
        .map((n) => `index name ${n}: lower-case letters, digits and single dashes, at most 128`),
      ...(repeated(names).length > 0 ? [`index names repeat: ${repeated(names).join(', ')}`] : []),
    ]);
    this.service = new search.Service(
      `${name}-service`,
      {
        searchServiceName: args.serviceName,
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        sku: { name: args.sku },
        replicaCount: args.replicas,
        partitionCount: args.partitions,
        hostingMode: search.HostingMode.Default,
        disableLocalAuth: true,
        publicNetworkAccess: search.PublicNetworkAccess.Enabled,
      },
      { parent: this },
    );
    this.endpoint = pulumi.interpolate`https://${this.service.name}.search.windows.net`;
    const writeIndexes = grantRole(
      `${name}-deployer-searchServiceContributor`,
      {
        principalId: args.deployerObjectId,
        role: 'searchServiceContributor',
        scope: this.service.id,
        subscriptionId: args.subscriptionId,
      },
      { parent: this },
    );
    for (const index of args.indexes)
      new SearchIndexDefinition(
        `${name}-index-${index.name}`,
        { endpoint: this.endpoint, definition: JSON.stringify(index) },
        { parent: this, dependsOn: [writeIndexes] },
      );
    this.registerOutputs({ endpoint: this.endpoint });
  }
}
