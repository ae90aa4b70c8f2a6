import * as search from '@pulumi/azure-native/search';
import * as pulumi from '@pulumi/pulumi';
import type { SearchSku } from '../stageConfig';

export interface SearchServiceArgs {
  /** 2-60 lower-case letters, digits and dashes, unique across Azure (see resourceNames). */
  readonly serviceName: pulumi.Input<string>;
  readonly resourceGroupName: pulumi.Input<string>;
  readonly location: pulumi.Input<string>;
  readonly sku: SearchSku;
  readonly replicas: number;
  readonly partitions: number;
}

/**
 * Azure AI Search for the catalog's `tracks` index. API keys are off (`disableLocalAuth`, with no
 * `authOptions`, which the service requires together): the app uses its identity, with Search Index
 * Data Contributor for documents and Search Service Contributor for the index definition.
 * https://learn.microsoft.com/azure/search/search-security-enable-roles
 * The free tier allows one service per subscription; a second free stage needs basic.
 */
export class SearchService extends pulumi.ComponentResource {
  readonly service: search.Service;
  /** `https://<name>.search.windows.net`, the app's SEARCH_ENDPOINT. */
  readonly endpoint: pulumi.Output<string>;

  constructor(name: string, args: SearchServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super('fieldline:search:SearchService', name, {}, opts);
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
    this.registerOutputs({ endpoint: this.endpoint });
  }
}
