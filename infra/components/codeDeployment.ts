import * as pulumi from '@pulumi/pulumi';
import type { DynamicInputs } from '../providers/dynamicInputs';
import { createOneDeployProvider, type OneDeployInputs } from '../providers/oneDeployProvider';

class OneDeploy extends pulumi.dynamic.Resource {
  constructor(
    name: string,
    props: DynamicInputs<OneDeployInputs>,
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(createOneDeployProvider(), name, props, opts, 'fieldline-onedeploy');
  }
}

export interface CodeDeploymentArgs {
  readonly appName: pulumi.Input<string>;
  readonly appId: pulumi.Input<string>;
  readonly zipPath: pulumi.Input<string>;
  readonly contentHash: pulumi.Input<string>;
  /** What the package declares about its HTTP functions' callers (see `httpAccessManifest`). */
  readonly httpAccess: OneDeployInputs['httpAccess'];
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
        httpAccess: args.httpAccess,
      },
      { parent: this },
    );
    this.registerOutputs({});
  }
}
