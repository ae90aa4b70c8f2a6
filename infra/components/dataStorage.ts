import * as storage from '@pulumi/azure-native/storage';
import * as pulumi from '@pulumi/pulumi';
import { refuseArgs, repeated } from './componentArgs';

export interface DataStorageArgs {
  /** 3-24 lower-case letters and digits, unique across Azure (see resourceNames). */
  readonly accountName: pulumi.Input<string>;
  readonly resourceGroupName: pulumi.Input<string>;
  readonly location: pulumi.Input<string>;
  readonly tables: readonly string[];
  readonly queues: readonly string[];
  /** Private containers, e.g. the function deployment package and the telemetry archive. */
  readonly containers: readonly string[];
  readonly protect: boolean;
}

/**
 * One storage account for the function host, its data (tables, queues, blobs) and the dashboard's
 * static website. Identity only: no shared keys, no anonymous blob access, HTTPS and TLS 1.2.
 */
export class DataStorage extends pulumi.ComponentResource {
  readonly account: storage.StorageAccount;
  readonly accountName: pulumi.Output<string>;
  readonly blobEndpoint: pulumi.Output<string>;
  readonly webEndpoint: pulumi.Output<string>;
  readonly containerNames: Readonly<Record<string, pulumi.Output<string>>>;
  /** Container resource ids, for role assignments scoped to one container. */
  readonly containerIds: Readonly<Record<string, pulumi.Output<string>>>;
  /** Table and queue resource ids, for role assignments scoped to one table or queue. */
  readonly tableIds: Readonly<Record<string, pulumi.Output<string>>>;
  readonly queueIds: Readonly<Record<string, pulumi.Output<string>>>;
  /** The static website; the dashboard upload waits for it (`$web` exists only once it is on). */
  readonly website: storage.StorageAccountStaticWebsite;

  constructor(name: string, args: DataStorageArgs, opts?: pulumi.ComponentResourceOptions) {
    super('fieldline:storage:DataStorage', name, {}, opts);
    refuseArgs('DataStorage', name, storageArgProblems(args));
    const child = { parent: this };
    this.account = new storage.StorageAccount(
      `${name}-account`,
      {
        accountName: args.accountName,
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        kind: storage.Kind.StorageV2,
        sku: { name: storage.SkuName.Standard_LRS },
        enableHttpsTrafficOnly: true,
        minimumTlsVersion: storage.MinimumTlsVersion.TLS1_2,
        allowBlobPublicAccess: false,
        allowSharedKeyAccess: false,
        defaultToOAuthAuthentication: true,
        publicNetworkAccess: storage.PublicNetworkAccess.Enabled,
      },
      { ...child, protect: args.protect },
    );
    const account = { accountName: this.account.name, resourceGroupName: args.resourceGroupName };
    this.tableIds = Object.fromEntries(
      args.tables.map((table) => [
        table,
        new storage.Table(`${name}-table-${table}`, { ...account, tableName: table }, child).id,
      ]),
    );
    this.queueIds = Object.fromEntries(
      args.queues.map((queue) => [
        queue,
        new storage.Queue(`${name}-queue-${queue}`, { ...account, queueName: queue }, child).id,
      ]),
    );
    const containers = args.containers.map(
      (container) =>
        [
          container,
          new storage.BlobContainer(
            `${name}-container-${container}`,
            { ...account, containerName: container, publicAccess: storage.PublicAccess.None },
            child,
          ),
        ] as const,
    );
    this.containerNames = Object.fromEntries(containers.map(([key, c]) => [key, c.name]));
    this.containerIds = Object.fromEntries(containers.map(([key, c]) => [key, c.id]));
    this.website = new storage.StorageAccountStaticWebsite(
      `${name}-website`,
      { ...account, indexDocument: 'index.html', error404Document: 'index.html' },
      child,
    );
    this.accountName = this.account.name;
    this.blobEndpoint = this.account.primaryEndpoints.apply((e) => e.blob);
    this.webEndpoint = this.account.primaryEndpoints.apply((e) => e.web);
    this.registerOutputs({
      accountName: this.accountName,
      blobEndpoint: this.blobEndpoint,
      webEndpoint: this.webEndpoint,
      containerNames: this.containerNames,
      containerIds: this.containerIds,
      tableIds: this.tableIds,
      queueIds: this.queueIds,
    });
  }
}

/**
 * Names as the storage services accept them:
 * https://learn.microsoft.com/rest/api/storageservices/naming-queues-and-metadata (and the table
 * and container naming pages).
 */
function storageArgProblems(args: DataStorageArgs): string[] {
  const problems: string[] = [];
  const check = (kind: string, names: readonly string[], pattern: RegExp, rule: string) => {
    const bad = names.filter((name) => !pattern.test(name) || name.includes('--'));
    if (bad.length > 0) problems.push(`${kind} ${bad.join(', ')}: ${rule}`);
    const twice = repeated(names);
    if (twice.length > 0) problems.push(`${kind} repeat: ${twice.join(', ')}`);
  };
  check(
    'tables',
    args.tables,
    /^[A-Za-z][A-Za-z0-9]{2,62}$/,
    '3-63 letters and digits, a letter first',
  );
  const lowerHyphen = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
  const lowerHyphenRule = '3-63 lower-case letters, digits and single hyphens';
  check('queues', args.queues, lowerHyphen, lowerHyphenRule);
  check('containers', args.containers, lowerHyphen, lowerHyphenRule);
  return problems;
}
