import * as pulumi from '@pulumi/pulumi';
import { createOneDeployProvider, type OneDeployInputs } from '../providers/oneDeployProvider';
import { createStaticSiteProvider, type StaticSiteInputs } from '../providers/staticSiteProvider';
import { grantRole } from './roles';

type Inputs<T> = { readonly [K in keyof T]: pulumi.Input<T[K]> };

class OneDeploy extends pulumi.dynamic.Resource {
  constructor(name: string, props: Inputs<OneDeployInputs>, opts?: pulumi.CustomResourceOptions) {
    super(createOneDeployProvider(), name, props, opts, 'fieldline-onedeploy');
  }
}

class StaticSite extends pulumi.dynamic.Resource {
  constructor(name: string, props: Inputs<StaticSiteInputs>, opts?: pulumi.CustomResourceOptions) {
    super(createStaticSiteProvider(), name, props, opts, 'fieldline-staticsite');
  }
}

export interface CodeDeploymentArgs {
  readonly appName: pulumi.Input<string>;
  readonly appId: pulumi.Input<string>;
  readonly zipPath: pulumi.Input<string>;
  readonly contentHash: pulumi.Input<string>;
}

/** The function package, deployed to the app by One Deploy whenever its content hash changes. */
export class CodeDeployment extends pulumi.ComponentResource {
  constructor(name: string, args: CodeDeploymentArgs, opts?: pulumi.ComponentResourceOptions) {
    super('fieldline:deploy:CodeDeployment', name, {}, opts);
    new OneDeploy(
      `${name}-onedeploy`,
      {
        publishUrl: pulumi.interpolate`https://${args.appName}.scm.azurewebsites.net/api/publish`,
        zipPath: args.zipPath,
        contentHash: args.contentHash,
        appId: args.appId,
      },
      { parent: this },
    );
    this.registerOutputs({});
  }
}

export interface DashboardSiteArgs {
  readonly storageAccountId: pulumi.Input<string>;
  readonly blobEndpoint: pulumi.Input<string>;
  readonly sourceDir: pulumi.Input<string>;
  readonly contentHash: pulumi.Input<string>;
  readonly config: pulumi.Input<Record<string, unknown>>;
  /** Whoever runs `pulumi up`: it uploads through Entra ID, so it needs blob data rights. */
  readonly deployerObjectId: pulumi.Input<string>;
  readonly subscriptionId: pulumi.Input<string>;
}

/** The dashboard uploaded to the static website, with its generated `config.json`. */
export class DashboardSite extends pulumi.ComponentResource {
  constructor(name: string, args: DashboardSiteArgs, opts?: pulumi.ComponentResourceOptions) {
    super('fieldline:deploy:DashboardSite', name, {}, opts);
    const upload = grantRole(
      `${name}-deployer-blob-contributor`,
      {
        principalId: args.deployerObjectId,
        role: 'storageBlobDataContributor',
        scope: args.storageAccountId,
        subscriptionId: args.subscriptionId,
      },
      { parent: this },
    );
    new StaticSite(
      `${name}-files`,
      {
        blobEndpoint: args.blobEndpoint,
        sourceDir: args.sourceDir,
        contentHash: args.contentHash,
        config: args.config,
      },
      { parent: this, dependsOn: [upload] },
    );
    this.registerOutputs({});
  }
}
