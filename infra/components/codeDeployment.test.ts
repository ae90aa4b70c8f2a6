import { describe, expect, it } from 'vitest';
import { requireLikePulumi } from '../offline/loadLikePulumi';
import type * as codeDeployment from './codeDeployment';
import { childrenOf, synthesizeComponent } from './componentTesting';

// Its child is a dynamic resource, whose provider Pulumi serialises: loaded as Pulumi loads it.
const { CodeDeployment } = requireLikePulumi<typeof codeDeployment>(
  'infra/components/codeDeployment.ts',
);

describe('CodeDeployment', () => {
  it("deploys the package through One Deploy to the app's SCM site, with what it declares about HTTP access", async () => {
    const httpAccess = [{ name: 'health', route: 'health', access: 'public' }];
    const { resources, registeredOutputs } = await synthesizeComponent(
      () =>
        new CodeDeployment('code', {
          appName: 'fl-test-api-abc123',
          appId:
            '/subscriptions/s/resourceGroups/g/providers/Microsoft.Web/sites/fl-test-api-abc123',
          zipPath: '/tmp/functions.zip',
          contentHash: 'sha256-abc',
          httpAccess,
        }),
    );
    const [deploy] = childrenOf(resources, 'code');
    expect(deploy?.inputs).toMatchObject({
      publishUrl: 'https://fl-test-api-abc123.scm.azurewebsites.net/api/publish',
      zipPath: '/tmp/functions.zip',
      contentHash: 'sha256-abc',
      httpAccess,
    });
    // It has nothing to hand on: what it deployed is the app's.
    expect(registeredOutputs.code).toEqual([]);
  });
});
