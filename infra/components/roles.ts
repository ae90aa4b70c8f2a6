import * as authorization from '@pulumi/azure-native/authorization';
import * as pulumi from '@pulumi/pulumi';
import { hashGuid } from '../../functions/src/settings/hashGuid';

/**
 * Built-in Azure role definition ids, by name, for the least roles fieldline needs.
 * https://learn.microsoft.com/azure/role-based-access-control/built-in-roles
 */
export const builtInRoles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe',
  storageBlobDataReader: '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1',
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88',
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6',
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb',
  // The REST API's sends and `:generateToken` (negotiate): REST API Owner holds both
  // (`auth/clientToken/action`). https://learn.microsoft.com/azure/azure-signalr/signalr-howto-authorize-managed-identity
  signalRRestApiOwner: 'fd53cd77-2268-407a-8f46-7e7863d0f521',
  // The app's whole use of the hub's service API: the registry, twins and twin queries, direct
  // methods and jobs. No narrower built-in role holds methods and jobs (Registry Contributor has
  // devices only, Twin Contributor twins only), and a custom role would need the deployer to write
  // role definitions, which would let it rewrite a role it may assign and so escape its condition
  // (see deployRoleCondition). https://learn.microsoft.com/azure/iot-hub/authenticate-authorize-azure-ad#permissions-for-iot-hub-service-apis
  iotHubDataContributor: '4fc6c259-987e-4a07-842e-c321cc9d413f',
  // Enrollment groups through DPS's service API (Entra ID there is in preview); the device
  // registration API takes no Entra ID at all. https://learn.microsoft.com/azure/iot-dps/concepts-control-access-dps-azure-ad
  dpsDataContributor: 'dfce44e4-17b7-4bd1-a6d1-04996ec95633',
  // The catalog's index: documents (data plane) and the index definition (control plane, which
  // createOrUpdateIndex needs). https://learn.microsoft.com/azure/search/search-security-rbac
  searchIndexDataContributor: '8ebe5a00-799e-43f5-93ac-243d3dce84a7',
  searchServiceContributor: '7ca78c08-252a-4471-8644-bb5ff32d4ba0',
} as const;

export type RoleName = keyof typeof builtInRoles;

/** One role on one scope. `target` names the scope in the resource's logical name, so names never depend on list order. */
export interface RoleGrant {
  readonly role: RoleName;
  readonly scope: pulumi.Input<string>;
  readonly target: string;
}

/**
 * A role assignment's ARM name must be a GUID. Derived from principal, role and scope (like
 * Bicep's `guid()`), the same grant always has the same name, so a re-run never duplicates it.
 */
export function roleAssignmentGuid(principalId: string, roleId: string, scope: string): string {
  return hashGuid(`${principalId}|${roleId}|${scope.toLowerCase()}`);
}

/** Grants one built-in role on one scope, to a managed identity or the deploying principal. */
export function grantRole(
  name: string,
  args: {
    principalId: pulumi.Input<string>;
    /** Omitted for the deploying principal, which may be a user or a service principal. */
    principalType?: 'ServicePrincipal';
    role: RoleName;
    scope: pulumi.Input<string>;
    subscriptionId: pulumi.Input<string>;
  },
  opts: pulumi.CustomResourceOptions,
): authorization.RoleAssignment {
  const roleId = builtInRoles[args.role];
  return new authorization.RoleAssignment(
    name,
    {
      roleAssignmentName: pulumi
        .all([args.principalId, args.scope])
        .apply(([principal, scope]) => roleAssignmentGuid(principal, roleId, scope)),
      principalId: args.principalId,
      ...(args.principalType ? { principalType: args.principalType } : {}),
      scope: args.scope,
      roleDefinitionId: pulumi.interpolate`/subscriptions/${args.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${roleId}`,
    },
    opts,
  );
}
