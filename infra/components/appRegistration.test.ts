import { describe, expect, it } from 'vitest';
import { appRoleNames } from '../../functions/src/identity/appRoles';
import { AppRegistration } from './appRegistration';
import { childrenOf, synthesizeComponent } from './componentTesting';

describe('AppRegistration', () => {
  it("declares the API's registration with the app roles, the dashboard's SPA redirects and a role-gated service principal", async () => {
    const { resources, registeredOutputs } = await synthesizeComponent(
      () =>
        new AppRegistration('signin', {
          displayName: 'fieldline-test',
          dashboardUrls: ['https://dash.example'],
        }),
    );
    const children = childrenOf(resources, 'signin');
    const application = children.find((r) => r.type === 'azuread:index/application:Application');
    expect(application?.inputs).toMatchObject({
      displayName: 'fieldline-test',
      signInAudience: 'AzureADMyOrg',
      api: { requestedAccessTokenVersion: 2 },
      // Each page of the dashboard build signs in and comes back to itself.
      singlePageApplication: {
        redirectUris: ['https://dash.example/', 'https://dash.example/rooms.html'],
      },
    });
    expect(
      ((application?.inputs.appRoles ?? []) as { value: string }[])
        .map((role) => role.value)
        .sort(),
    ).toEqual([...appRoleNames].sort());
    expect(
      children.find((r) => r.type === 'azuread:index/servicePrincipal:ServicePrincipal')?.inputs,
    ).toMatchObject({ appRoleAssignmentRequired: true });
    expect(registeredOutputs.signin).toEqual(['clientId', 'identifierUri']);
  });

  it('uses an existing registration without creating one, and refuses an id that is not a GUID', async () => {
    const existing = await synthesizeComponent(
      () =>
        new AppRegistration('signin', {
          displayName: 'fieldline-test',
          dashboardUrls: [],
          existingClientId: '11111111-2222-4333-8444-555555555555',
        }),
    );
    expect(childrenOf(existing.resources, 'signin')).toEqual([]);
    expect(existing.registeredOutputs.signin).toEqual(['clientId', 'identifierUri']);
    const bad = await synthesizeComponent(
      () =>
        new AppRegistration('signin', {
          displayName: 'fieldline-test',
          dashboardUrls: [],
          existingClientId: 'my-app',
        }),
    );
    expect(bad.error?.message).toMatch(
      /^AppRegistration signin: existingClientId must be an application \(client\) id/,
    );
  });

  it('changing the dashboard origins leaves the identifier URI alone (pulumi-azuread#1036)', async () => {
    const declare = async (dashboardUrls: string[]) => {
      const { resources } = await synthesizeComponent(
        () => new AppRegistration('signin', { displayName: 'fieldline-test', dashboardUrls }),
      );
      const children = childrenOf(resources, 'signin');
      return {
        application: children.find((r) => r.type === 'azuread:index/application:Application'),
        uri: children.find(
          (r) => r.type === 'azuread:index/applicationIdentifierUri:ApplicationIdentifierUri',
        ),
      };
    };
    const before = await declare(['https://dash.example']);
    const after = await declare(['https://dash.example', 'https://ops.example.com']);
    // The change reaches the application's redirect URIs ...
    expect(after.application?.inputs.singlePageApplication).not.toEqual(
      before.application?.inputs.singlePageApplication,
    );
    // ... and nothing of the identifier URI: the application never declares identifierUris and
    // ignores changes to them, so the provider's update sends none (terraform-provider-azuread
    // sends identifier_uris only when they changed, since v2.52.0; @pulumi/azuread 6 is built on
    // its v3), and the ApplicationIdentifierUri that owns the URI has the same inputs.
    for (const { application } of [before, after]) {
      expect(application?.inputs).not.toHaveProperty('identifierUris');
      expect(application?.ignoreChanges).toContain('identifierUris');
    }
    expect(after.uri?.inputs).toEqual(before.uri?.inputs);
    expect(after.uri?.inputs.identifierUri).toMatch(/^api:\/\//);
  });
});
