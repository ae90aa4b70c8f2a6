import * as iothub from '@pulumi/azure-native/iothub';
import * as managedidentity from '@pulumi/azure-native/managedidentity';
import type * as inputs from '@pulumi/azure-native/types/input';
import * as pulumi from '@pulumi/pulumi';
import { iotHubMaxUnits } from '../../policy/rules/serviceLimits';
import { type IotHubSku, iotHubSkus } from '../stageConfig';
import { refuseArgs, repeated } from './componentArgs';
import { grantRole } from './roles';

export interface IotHubArgs {
  /** 3-50 letters, digits and hyphens, unique across Azure (see resourceNames). */
  readonly resourceName: pulumi.Input<string>;
  readonly resourceGroupName: pulumi.Input<string>;
  readonly location: pulumi.Input<string>;
  readonly sku: IotHubSku;
  readonly capacity: number;
  readonly partitions: number;
  /** One consumer group per reader of the built-in endpoint. */
  readonly consumerGroups: readonly string[];
  /**
   * Also route every message to this storage container, through a user-assigned identity that is
   * granted Storage Blob Data Contributor on the container before the hub (and its endpoint) exist.
   */
  readonly archive?: {
    readonly blobEndpoint: pulumi.Input<string>;
    readonly containerName: pulumi.Input<string>;
    readonly containerId: pulumi.Input<string>;
    readonly identityName: pulumi.Input<string>;
    readonly subscriptionId: pulumi.Input<string>;
  };
  readonly protect: boolean;
}

/** The policy the function app's Event Hubs trigger reads with: ServiceConnect, nothing else. */
export const ingestPolicyName = 'fieldline-ingest';

/**
 * The policy the stage's DPS links the hub with: the rights DPS needs and no more.
 * https://learn.microsoft.com/azure/iot-dps/how-to-manage-linked-iot-hubs ("DPS needs the
 * following permissions on the IoT hub: RegistryWrite and ServiceConnect")
 */
export const provisioningPolicyName = 'fieldline-dps';

/** Tiers with twins, methods, jobs and their events: not the basic ones. https://learn.microsoft.com/azure/iot-hub/iot-hub-scaling */
export const hasDeviceTwins = (sku: IotHubSku) => !sku.startsWith('B');

/**
 * IoT Hub with least-privilege shared access policies (no iothubowner), TLS 1.2, module SAS off,
 * one consumer group per reader, and the built-in endpoint as the telemetry route.
 */
export class IotHub extends pulumi.ComponentResource {
  readonly hub: iothub.IotHubResource;
  readonly hostName: pulumi.Output<string>;
  readonly eventHubName: pulumi.Output<string>;
  /** `Endpoint=sb://...;SharedAccessKeyName=fieldline-ingest;...;EntityPath=...`, a secret. */
  readonly eventHubConnectionString: pulumi.Output<string>;
  /** `HostName=...;SharedAccessKeyName=fieldline-dps;SharedAccessKey=...`, a secret, for DPS's link. */
  readonly provisioningConnectionString: pulumi.Output<string>;

  constructor(name: string, args: IotHubArgs, opts?: pulumi.ComponentResourceOptions) {
    super('fieldline:iot:IotHub', name, {}, opts);
    refuseArgs('IotHub', name, iotHubArgProblems(args));
    const child = { parent: this };
    const routes: pulumi.Input<inputs.iothub.RoutePropertiesArgs>[] = [
      {
        name: 'telemetry',
        source: iothub.RoutingSource.DeviceMessages,
        condition: 'true',
        endpointNames: ['events'],
        isEnabled: true,
      },
      // Once any route exists, the built-in endpoint gets only what routes send it: the device
      // messages route above, and the hub's own events for ingest (connection state, reported
      // properties). https://learn.microsoft.com/azure/iot-hub/iot-hub-devguide-messages-d2c#non-telemetry-events
      ...(hasDeviceTwins(args.sku)
        ? [
            {
              name: 'twin-changes',
              source: iothub.RoutingSource.TwinChangeEvents,
              condition: 'true',
              endpointNames: ['events'],
              isEnabled: true,
            },
            {
              name: 'connection-state',
              source: iothub.RoutingSource.DeviceConnectionStateEvents,
              condition: 'true',
              endpointNames: ['events'],
              isEnabled: true,
            },
          ]
        : []),
    ];
    if (args.archive) {
      routes.push({
        name: 'archive',
        source: iothub.RoutingSource.DeviceMessages,
        condition: 'true',
        endpointNames: ['archive'],
        isEnabled: true,
      });
    }
    // The identity-based endpoint is checked when the hub is written, so the grant comes first.
    // https://learn.microsoft.com/azure/iot-hub/iot-hub-managed-identity#egress-connectivity-from-iot-hub-to-other-azure-resources
    const archive = args.archive && archiveRoute(name, args, args.archive, child);
    this.hub = new iothub.IotHubResource(
      `${name}-hub`,
      {
        resourceName: args.resourceName,
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        sku: { name: args.sku, capacity: args.capacity },
        ...(archive
          ? {
              identity: {
                type: iothub.ResourceIdentityType.UserAssigned,
                userAssignedIdentities: [archive.identity.id],
              },
            }
          : {}),
        properties: {
          minTlsVersion: '1.2',
          disableModuleSAS: true,
          eventHubEndpoints: {
            events: { partitionCount: args.partitions, retentionTimeInDays: 1 },
          },
          authorizationPolicies: [
            { keyName: ingestPolicyName, rights: iothub.AccessRights.ServiceConnect },
            {
              keyName: provisioningPolicyName,
              rights: iothub.AccessRights.RegistryWrite_ServiceConnect,
            },
          ],
          routing: {
            routes,
            ...(archive
              ? {
                  endpoints: {
                    storageContainers: [
                      {
                        name: 'archive',
                        authenticationType: iothub.AuthenticationType.IdentityBased,
                        identity: { userAssignedIdentity: archive.identity.id },
                        endpointUri: archive.blobEndpoint,
                        containerName: archive.containerName,
                        encoding: 'JSON',
                        fileNameFormat: '{iothub}/{partition}/{YYYY}/{MM}/{DD}/{HH}/{mm}',
                      },
                    ],
                  },
                }
              : {}),
          },
        },
      },
      { ...child, protect: args.protect, dependsOn: archive ? [archive.grant] : [] },
    );
    for (const group of args.consumerGroups) {
      new iothub.IotHubResourceEventHubConsumerGroup(
        `${name}-cg-${group}`,
        {
          resourceGroupName: args.resourceGroupName,
          resourceName: this.hub.name,
          eventHubEndpointName: 'events',
          name: group,
          properties: { name: group },
        },
        child,
      );
    }
    const events = this.hub.properties.apply((p) => p.eventHubEndpoints?.events);
    const keyOf = (keyName: string) =>
      iothub.listIotHubResourceKeysForKeyNameOutput(
        { keyName, resourceGroupName: args.resourceGroupName, resourceName: this.hub.name },
        child,
      ).primaryKey;
    const key = keyOf(ingestPolicyName);
    this.hostName = this.hub.properties.apply((p) => p.hostName ?? '');
    this.provisioningConnectionString = pulumi.secret(
      pulumi.interpolate`HostName=${this.hostName};SharedAccessKeyName=${provisioningPolicyName};SharedAccessKey=${keyOf(provisioningPolicyName)}`,
    );
    this.eventHubName = events.apply((e) => e?.path ?? '');
    this.eventHubConnectionString = pulumi.secret(
      pulumi.interpolate`Endpoint=${events.apply((e) => e?.endpoint ?? '')};SharedAccessKeyName=${ingestPolicyName};SharedAccessKey=${key};EntityPath=${this.eventHubName}`,
    );
    this.registerOutputs({ hostName: this.hostName, eventHubName: this.eventHubName });
  }
}

/** The archive route's identity, granted Blob Data Contributor on the archive container. */
function archiveRoute(
  name: string,
  args: IotHubArgs,
  archive: NonNullable<IotHubArgs['archive']>,
  opts: pulumi.CustomResourceOptions,
) {
  const identity = new managedidentity.UserAssignedIdentity(
    `${name}-archive-identity`,
    {
      resourceName: archive.identityName,
      resourceGroupName: args.resourceGroupName,
      location: args.location,
    },
    opts,
  );
  const grant = grantRole(
    `${name}-archive-blob-contributor`,
    {
      principalId: identity.principalId,
      principalType: 'ServicePrincipal',
      role: 'storageBlobDataContributor',
      scope: archive.containerId,
      subscriptionId: archive.subscriptionId,
    },
    opts,
  );
  return { ...archive, identity, grant };
}

/** IoT Hub's documented limits: https://learn.microsoft.com/azure/iot-hub/iot-hub-scaling */
function iotHubArgProblems(args: IotHubArgs): string[] {
  const problems: string[] = [];
  if (!iotHubSkus.includes(args.sku)) problems.push(`sku must be one of ${iotHubSkus.join(', ')}`);
  const maxUnits = args.sku === 'F1' ? 1 : iotHubMaxUnits(args.sku);
  if (!Number.isInteger(args.capacity) || args.capacity < 1 || args.capacity > maxUnits)
    problems.push(`capacity must be 1-${maxUnits} with ${args.sku}`);
  if (args.sku === 'F1' ? args.partitions !== 2 : !(args.partitions >= 2 && args.partitions <= 128))
    problems.push(args.sku === 'F1' ? 'partitions must be 2 with F1' : 'partitions must be 2-128');
  if (args.consumerGroups.length === 0 || args.consumerGroups.includes('$Default'))
    problems.push("name one consumer group per reader ($Default is the hub's own)");
  const twice = repeated(args.consumerGroups);
  if (twice.length > 0) problems.push(`consumer groups repeat: ${twice.join(', ')}`);
  return problems;
}
