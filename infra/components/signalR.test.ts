import { describe, expect, it } from 'vitest';
import { childrenOf, synthesizeComponent } from './componentTesting';
import { SignalR, type SignalRArgs } from './signalR';

const args: SignalRArgs = {
  resourceName: 'fl-test-rt-abc123',
  resourceGroupName: 'fl-test',
  location: 'westeurope',
  sku: 'Standard_S1',
  capacity: 2,
  allowedOrigins: ['https://dash.example'],
};

describe('SignalR', () => {
  it('declares a serverless, identity-only service with CORS for the dashboard, and registers its host name', async () => {
    const { resources, registeredOutputs } = await synthesizeComponent(
      () => new SignalR('rt', args),
    );
    const [service] = childrenOf(resources, 'rt');
    expect(service?.type).toBe('azure-native:signalrservice:SignalR');
    expect(service?.inputs).toMatchObject({
      resourceName: 'fl-test-rt-abc123',
      sku: { name: 'Standard_S1', capacity: 2, tier: 'Standard' },
      features: [{ flag: 'ServiceMode', value: 'Serverless' }],
      cors: { allowedOrigins: ['https://dash.example'] },
      disableLocalAuth: true,
    });
    expect(registeredOutputs.rt).toEqual(['hostName']);
  });

  it('refuses a unit count the tier does not sell, before creating anything', async () => {
    const { error, resources } = await synthesizeComponent(
      () => new SignalR('rt', { ...args, sku: 'Free_F1', capacity: 2 }),
    );
    expect(error?.message).toMatch(/^SignalR rt: capacity must be one of 1 with Free_F1/);
    expect(childrenOf(resources, 'rt')).toEqual([]);
  });
});
