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
});
