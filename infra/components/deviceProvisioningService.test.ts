import { describe, expect, it } from 'vitest';
import { childrenOf, synthesizeComponent } from './componentTesting';
import { DeviceProvisioningService } from './deviceProvisioningService';

describe('DeviceProvisioningService', () => {
  it('declares an S1 DPS linked to the one hub, and registers its ID scope and endpoints', async () => {
    const { resources, registeredOutputs } = await synthesizeComponent(
      () =>
        new DeviceProvisioningService('provisioning', {
          serviceName: 'fl-test-dps-abc123',
          resourceGroupName: 'fl-test',
          location: 'westeurope',
          hub: {
            connectionString:
              'HostName=fl-test-hub.azure-devices.net;SharedAccessKeyName=fieldline-dps;SharedAccessKey=a2V5',
            location: 'westeurope',
          },
        }),
    );
    const [service, ...others] = childrenOf(resources, 'provisioning');
    expect(others).toEqual([]);
    expect(service?.type).toBe('azure-native:deviceprovisioningservices:IotDpsResource');
    expect(service?.inputs).toMatchObject({
      provisioningServiceName: 'fl-test-dps-abc123',
      sku: { name: 'S1', capacity: 1 },
      properties: {
        allocationPolicy: 'Hashed',
        publicNetworkAccess: 'Enabled',
        iotHubs: [
          {
            connectionString: expect.stringContaining('SharedAccessKeyName=fieldline-dps'),
            location: 'westeurope',
          },
        ],
      },
    });
    expect(registeredOutputs.provisioning).toEqual([
      'globalEndpoint',
      'idScope',
      'serviceHostName',
    ]);
  });
});
