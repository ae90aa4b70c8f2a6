import { describe, expect, it } from 'vitest';
import { childrenOf, synthesizeComponent } from './componentTesting';
import { IotHub, type IotHubArgs } from './iotHub';

const args: IotHubArgs = {
  resourceName: 'fl-test-hub-abc123',
  resourceGroupName: 'fl-test',
  location: 'westeurope',
  sku: 'S1',
  capacity: 1,
  partitions: 4,
  consumerGroups: ['ingest', 'analytics'],
  protect: false,
};

describe('IotHub', () => {
  it('declares the hub with its partitions, an ingest-only and a DPS-link policy, and a consumer group per reader', async () => {
    const { resources, registeredOutputs } = await synthesizeComponent(
      () => new IotHub('iot', args),
    );
    const children = childrenOf(resources, 'iot');
    const hub = children.find((r) => r.type === 'azure-native:iothub:IotHubResource');
    expect(hub?.inputs).toMatchObject({
      sku: { name: 'S1', capacity: 1 },
      properties: {
        minTlsVersion: '1.2',
        disableModuleSAS: true,
        eventHubEndpoints: { events: { partitionCount: 4 } },
        authorizationPolicies: [
          { keyName: 'fieldline-ingest', rights: 'ServiceConnect' },
          { keyName: 'fieldline-dps', rights: 'RegistryWrite, ServiceConnect' },
        ],
      },
    });
    expect(
      children
        .filter((r) => r.type === 'azure-native:iothub:IotHubResourceEventHubConsumerGroup')
        .map((r) => r.inputs.name),
    ).toEqual(['ingest', 'analytics']);
    expect(registeredOutputs.iot).toEqual(['eventHubName', 'hostName']);
  });

  it("routes the hub's twin and connection events to the built-in endpoint, except on basic tiers, which have none", async () => {
    const routesOf = async (sku: IotHubArgs['sku']) => {
      const { resources } = await synthesizeComponent(() => new IotHub('iot', { ...args, sku }));
      const hub = childrenOf(resources, 'iot').find(
        (r) => r.type === 'azure-native:iothub:IotHubResource',
      );
      if (!hub) throw new Error('the component declares no hub');
      const { routing } = hub.inputs.properties as { routing: { routes: { source: string }[] } };
      return routing.routes.map((route) => route.source);
    };
    expect(await routesOf('S1')).toEqual([
      'DeviceMessages',
      'TwinChangeEvents',
      'DeviceConnectionStateEvents',
    ]);
    expect(await routesOf('B1')).toEqual(['DeviceMessages']);
  });

  it('refuses what IoT Hub does not allow, naming each problem, before creating anything', async () => {
    const { error, resources } = await synthesizeComponent(
      () =>
        new IotHub('iot', {
          ...args,
          sku: 'F1',
          capacity: 2,
          partitions: 4,
          consumerGroups: ['ingest', 'ingest'],
        }),
    );
    expect(error?.message).toBe(
      'IotHub iot: capacity must be 1-1 with F1; partitions must be 2 with F1; consumer groups repeat: ingest',
    );
    expect(childrenOf(resources, 'iot')).toEqual([]);
  });
});
