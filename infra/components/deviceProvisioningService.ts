import * as dps from '@pulumi/azure-native/deviceprovisioningservices';
import * as pulumi from '@pulumi/pulumi';

export interface DeviceProvisioningServiceArgs {
  /** 3-64 letters, digits and hyphens (see resourceNames). */
  readonly serviceName: pulumi.Input<string>;
  readonly resourceGroupName: pulumi.Input<string>;
  readonly location: pulumi.Input<string>;
  /** The stage's hub, linked with its own least-rights policy (IotHub.provisioningConnectionString). */
  readonly hub: {
    readonly connectionString: pulumi.Input<string>;
    readonly location: pulumi.Input<string>;
  };
}

/**
 * The stage's Device Provisioning Service: S1, linked to the stage's hub, which it assigns every
 * device to. The link is key-based: azure-native 3.x writes DPS with API 2023-03-01-preview,
 * whose linked hub takes a connection string only; the identity-based link (`authenticationType`)
 * arrived with 2026-08-31, which this provider does not send. So DPS gets a connection string
 * for a hub policy with RegistryWrite and ServiceConnect alone, the least the docs name
 * (https://learn.microsoft.com/azure/iot-dps/how-to-manage-linked-iot-hubs). It is a Pulumi
 * secret, and DPS keeps it and answers with it masked; no app setting or vault holds a copy.
 * The app manages enrollments with its identity (Device Provisioning Service Data Contributor).
 */
export class DeviceProvisioningService extends pulumi.ComponentResource {
  readonly service: dps.IotDpsResource;
  /** What enrollments are scoped to: `0ne…`. */
  readonly idScope: pulumi.Output<string>;
  /** Where devices register: `global.azure-devices-provisioning.net`. */
  readonly globalEndpoint: pulumi.Output<string>;
  /** The service API's host, `{name}.azure-devices-provisioning.net`, for enrollments. */
  readonly serviceHostName: pulumi.Output<string>;

  constructor(
    name: string,
    args: DeviceProvisioningServiceArgs,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super('fieldline:iot:DeviceProvisioningService', name, {}, opts);
    this.service = new dps.IotDpsResource(
      `${name}-dps`,
      {
        provisioningServiceName: args.serviceName,
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        // One unit: S1 bills per operation, and one unit's 1,000 registrations a minute cover a
        // stage's fleet (https://learn.microsoft.com/azure/iot-dps/about-iot-dps#quotas-and-limits).
        sku: { name: dps.IotDpsSku.S1, capacity: 1 },
        properties: {
          // One linked hub: every allocation policy picks it; Hashed is DPS's default.
          allocationPolicy: dps.AllocationPolicy.Hashed,
          publicNetworkAccess: dps.PublicNetworkAccess.Enabled,
          iotHubs: [
            {
              connectionString: pulumi.secret(args.hub.connectionString),
              location: args.hub.location,
            },
          ],
        },
      },
      { parent: this },
    );
    const properties = this.service.properties;
    this.idScope = properties.apply((p) => p.idScope ?? '');
    this.globalEndpoint = properties.apply(
      (p) => p.deviceProvisioningHostName ?? 'global.azure-devices-provisioning.net',
    );
    this.serviceHostName = properties.apply((p) => p.serviceOperationsHostName ?? '');
    this.registerOutputs({
      idScope: this.idScope,
      globalEndpoint: this.globalEndpoint,
      serviceHostName: this.serviceHostName,
    });
  }
}
