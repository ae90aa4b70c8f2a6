import * as applicationinsights from '@pulumi/azure-native/applicationinsights';
import * as operationalinsights from '@pulumi/azure-native/operationalinsights';
import * as pulumi from '@pulumi/pulumi';

export interface MonitoringArgs {
  readonly workspaceName: pulumi.Input<string>;
  readonly appInsightsName: pulumi.Input<string>;
  readonly resourceGroupName: pulumi.Input<string>;
  readonly location: pulumi.Input<string>;
}

/** Log Analytics and workspace-based Application Insights, with local (key) auth off: the app sends with Entra ID. */
export class Monitoring extends pulumi.ComponentResource {
  readonly appInsights: applicationinsights.Component;
  readonly connectionString: pulumi.Output<string>;

  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super('fieldline:monitoring:Monitoring', name, {}, opts);
    const workspace = new operationalinsights.Workspace(
      `${name}-logs`,
      {
        workspaceName: args.workspaceName,
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        sku: { name: operationalinsights.WorkspaceSkuNameEnum.PerGB2018 },
        retentionInDays: 30,
        features: { disableLocalAuth: true },
      },
      { parent: this },
    );
    this.appInsights = new applicationinsights.Component(
      `${name}-insights`,
      {
        resourceName: args.appInsightsName,
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        kind: 'web',
        applicationType: applicationinsights.ApplicationType.Web,
        workspaceResourceId: workspace.id,
        ingestionMode: applicationinsights.IngestionMode.LogAnalytics,
        disableLocalAuth: true,
      },
      { parent: this },
    );
    this.connectionString = this.appInsights.connectionString;
    this.registerOutputs({ connectionString: this.connectionString });
  }
}
