import * as azuread from '@pulumi/azuread';
import * as pulumi from '@pulumi/pulumi';
import { dashboardPages } from '../../dashboard/staticAssets';
import { appRoles } from '../../functions/src/identity/appRoles';
import { hashGuid } from '../../functions/src/settings/hashGuid';
import { refuseArgs } from './componentArgs';

export interface AppRegistrationArgs {
  readonly displayName: string;
  /** Where the dashboard is served (the static website, and any extra origins): its SPA redirect URIs. */
  readonly dashboardUrls: pulumi.Input<readonly string[]>;
  /** Use this existing registration instead of creating one. */
  readonly existingClientId?: string;
}

/** The delegated scope the dashboard asks for, Entra's conventional name for "use this API". */
export const apiScopeName = 'user_impersonation';

/**
 * A stable GUID per name, so app role and scope ids never change between runs: Entra refuses to
 * delete an enabled role, and a new id would look like one.
 */
function stableGuid(name: string): string {
  return hashGuid(`fieldline|${name}`);
}

/**
 * The Entra app registration operators sign in to and back ends get tokens for: one application
 * that is both the API (identifier URI `api://<client id>`, v2 access tokens, the app roles) and
 * the dashboard's single-page app (the SPA redirect URI, which allows the code flow with PKCE
 * from the browser). Its service principal requires role assignment, so only people and clients
 * given a role can get a token at all.
 * https://learn.microsoft.com/entra/identity-platform/howto-add-app-roles-in-apps
 */
export class AppRegistration extends pulumi.ComponentResource {
  readonly clientId: pulumi.Output<string>;
  /** The identifier URI, `api://<client id>`; `<uri>/.default` is the client credentials scope. */
  readonly identifierUri: pulumi.Output<string>;

  constructor(name: string, args: AppRegistrationArgs, opts?: pulumi.ComponentResourceOptions) {
    super('fieldline:identity:AppRegistration', name, {}, opts);
    refuseArgs('AppRegistration', name, [
      ...(args.displayName.trim() === '' || args.displayName.length > 120
        ? ['displayName must be 1-120 characters']
        : []),
      ...(args.existingClientId !== undefined &&
      !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(args.existingClientId)
        ? [
            `existingClientId must be an application (client) id, a GUID; got "${args.existingClientId}"`,
          ]
        : []),
    ]);
    if (args.existingClientId) {
      this.clientId = pulumi.output(args.existingClientId);
      this.identifierUri = pulumi.output(`api://${args.existingClientId}`);
      this.registerOutputs({ clientId: this.clientId, identifierUri: this.identifierUri });
      return;
    }
    const application = new azuread.Application(
      `${name}-app`,
      {
        displayName: args.displayName,
        signInAudience: 'AzureADMyOrg',
        api: {
          // v2 tokens: `aud` is the client id, `iss` is https://login.microsoftonline.com/<tenant>/v2.0.
          requestedAccessTokenVersion: 2,
          oauth2PermissionScopes: [
            {
              id: stableGuid(`scope:${apiScopeName}`),
              value: apiScopeName,
              type: 'User',
              enabled: true,
              adminConsentDisplayName: 'Use fieldline',
              adminConsentDescription:
                'Lets the dashboard call the fieldline API as the signed-in user.',
              userConsentDisplayName: 'Use fieldline',
              userConsentDescription: 'Lets the dashboard call the fieldline API as you.',
            },
          ],
        },
        appRoles: Object.entries(appRoles).map(([value, description]) => ({
          id: stableGuid(`role:${value}`),
          value,
          displayName: value,
          description,
          // People and groups (operators), and applications (back ends, client credentials).
          allowedMemberTypes: ['User', 'Application'],
          enabled: true,
        })),
        singlePageApplication: {
          redirectUris: pulumi
            .output(args.dashboardUrls)
            .apply((urls) =>
              urls.flatMap((url) => dashboardPages.map((page) => `${withSlash(url)}${page}`)),
            ),
        },
      },
      // ApplicationIdentifierUri owns the identifier URIs; without this the two would fight.
      { parent: this, ignoreChanges: ['identifierUris'] },
    );
    const identifier = new azuread.ApplicationIdentifierUri(
      `${name}-identifier-uri`,
      {
        applicationId: application.id,
        identifierUri: pulumi.interpolate`api://${application.clientId}`,
      },
      { parent: this },
    );
    new azuread.ServicePrincipal(
      `${name}-sp`,
      {
        clientId: application.clientId,
        // Only users, groups and clients assigned an app role can sign in or get a token.
        appRoleAssignmentRequired: true,
      },
      { parent: this },
    );
    this.clientId = application.clientId;
    this.identifierUri = identifier.identifierUri;
    this.registerOutputs({ clientId: this.clientId, identifierUri: this.identifierUri });
  }
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}
