import { describe, expect, it } from 'vitest';
import { childrenOf, synthesizeComponent } from './componentTesting';
import { Monitoring } from './monitoring';

describe('Monitoring', () => {
  it('declares a workspace and a workspace-based Application Insights, both Entra ID only', async () => {
    const { resources, registeredOutputs } = await synthesizeComponent(
      () =>
        new Monitoring('monitoring', {
          workspaceName: 'fl-test-logs',
          appInsightsName: 'fl-test-insights',
          resourceGroupName: 'fl-test',
          location: 'westeurope',
        }),
    );
    const children = childrenOf(resources, 'monitoring');
    expect(
      children.find((r) => r.type === 'azure-native:operationalinsights:Workspace')?.inputs,
    ).toMatchObject({ workspaceName: 'fl-test-logs', features: { disableLocalAuth: true } });
    expect(
      children.find((r) => r.type === 'azure-native:applicationinsights:Component')?.inputs,
    ).toMatchObject({
      resourceName: 'fl-test-insights',
      ingestionMode: 'LogAnalytics',
      disableLocalAuth: true,
      workspaceResourceId: 'monitoring-logs-id',
    });
    expect(registeredOutputs.monitoring).toEqual(['connectionString']);
  });
});
