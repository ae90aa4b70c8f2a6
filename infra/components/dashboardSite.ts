import * as pulumi from '@pulumi/pulumi';
import type { DynamicInputs } from '../providers/dynamicInputs';
import { createStaticSiteProvider, type StaticSiteInputs } from '../providers/staticSiteProvider';
import { grantRole } from './roles';

class StaticSite extends pulumi.dynamic.Resource {
  constructor(
    name: string,
    props: DynamicInputs<StaticSiteInputs>,
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(createStaticSiteProvider(), name, props, opts, 'fieldline-staticsite');
  }
}

export interface DashboardSiteArgs {
  /** The `$web` container's resource id: the deployer's upload right is scoped to it. */
  readonly webContainerId: pulumi.Input<string>;
  readonly blobEndpoint: pulumi.Input<string>;
  readonly sourceDir: pulumi.Input<string>;
  readonly contentHash: pulumi.Input<string>;
  readonly config: pulumi.Input<Record<string, unknown>>;
  /** The pages' Content-Security-Policy (`contentSecurityPolicy` in dashboard/staticAssets.ts). */
  readonly contentSecurityPolicy: pulumi.Input<string>;
  /** Whoever runs `pulumi up`: it uploads through Entra ID, so it needs blob data rights. */
  readonly deployerObjectId: pulumi.Input<string>;
  readonly subscriptionId: pulumi.Input<string>;
  /** The static website resource: `$web` exists only once it is on. */
  readonly website: pulumi.Resource;
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
        scope: args.webContainerId,
        subscriptionId: args.subscriptionId,
      },
      { parent: this, dependsOn: [args.website] },
    );
    new StaticSite(
      `${name}-files`,
      {
        blobEndpoint: args.blobEndpoint,
        sourceDir: args.sourceDir,
        contentHash: args.contentHash,
        config: args.config,
        contentSecurityPolicy: args.contentSecurityPolicy,
      },
      { parent: this, dependsOn: [upload, args.website] },
    );
    this.registerOutputs({});
  }
}
