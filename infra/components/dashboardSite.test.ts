import * as pulumi from '@pulumi/pulumi';
import { describe, expect, it } from 'vitest';
import { requireLikePulumi } from '../offline/loadLikePulumi';
import { childrenOf, synthesizeComponent } from './componentTesting';
import type * as dashboardSite from './dashboardSite';

// Its upload is a dynamic resource, whose provider Pulumi serialises: loaded as Pulumi loads it.
const { DashboardSite } = requireLikePulumi<typeof dashboardSite>(
  'infra/components/dashboardSite.ts',
);

describe('DashboardSite', () => {
  it("grants the deployer blob rights on $web only, then uploads the build with the stage's config", async () => {
    const { resources, registeredOutputs } = await synthesizeComponent(() => {
      const website = new pulumi.ComponentResource('test:index:Website', 'website');
      return new DashboardSite('dashboard', {
        webContainerId: '/subscriptions/s/.../containers/$web',
        website,
        blobEndpoint: 'https://fltest.blob.core.windows.net/',
        sourceDir: 'dist/dashboard',
        contentHash: 'sha256-abc',
        contentSecurityPolicy: "script-src 'self'",
        config: { stage: 'test' },
        deployerObjectId: 'deployer',
        subscriptionId: 's',
      });
    });
    const children = childrenOf(resources, 'dashboard');
    const grant = children.find((r) => r.type === 'azure-native:authorization:RoleAssignment');
    expect(grant?.inputs).toMatchObject({
      principalId: 'deployer',
      scope: '/subscriptions/s/.../containers/$web',
    });
    expect(String(grant?.inputs.roleDefinitionId)).toMatch(/ba92f5b4-2d11-453d-a403-e96b0029c9fe$/);
    const upload = children.find((r) => r.name === 'dashboard-files');
    expect(upload?.inputs).toMatchObject({
      sourceDir: 'dist/dashboard',
      config: { stage: 'test' },
    });
    expect(upload?.dependsOn).toContain(grant?.name);
    expect(registeredOutputs.dashboard).toEqual([]);
  });
});
