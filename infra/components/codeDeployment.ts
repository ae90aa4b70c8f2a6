import * as pulumi from '@pulumi/pulumi';
import type { DynamicInputs } from '../providers/dynamicInputs';
import {
  createFunctionHostKeyProvider,
  type FunctionHostKeyInputs,
} from '../providers/hostKeyProvider';
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
  /** Host keys set to known values once the code runs (the host answers for its keys only then). */
  readonly hostKeys?: readonly Omit<DynamicInputs<FunctionHostKeyInputs>, 'appId'>[];
}

/** One of the Functions host's keys, set to a known value. */
class FunctionHostKey extends pulumi.dynamic.Resource {
  constructor(
    name: string,
    props: DynamicInputs<FunctionHostKeyInputs>,
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(createFunctionHostKeyProvider(), name, props, opts, 'fieldline-function-host-key');
  }
}

/** The function package, deployed to the app by One Deploy whenever its content hash changes. */
export class CodeDeployment extends pulumi.ComponentResource {
  constructor(name: string, args: CodeDeploymentArgs, opts?: pulumi.ComponentResourceOptions) {
    super('fieldline:deploy:CodeDeployment', name, {}, opts);
    const deployed = new OneDeploy(
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
    for (const key of args.hostKeys ?? [])
      new FunctionHostKey(
        `${name}-${key.keyType}-${key.keyName}`,
        { ...key, appId: args.appId },
        { parent: this, dependsOn: [deployed] },
      );
    this.registerOutputs({});
  }
}
