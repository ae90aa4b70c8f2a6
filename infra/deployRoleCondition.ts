import { builtInRoles } from './components/roles';

/**
 * The ABAC condition on a stage's deployment identity's Role Based Access Control Administrator
 * assignment: it may create and delete role assignments only of the built-in roles the stack
 * assigns, so the identity cannot make itself (or anyone) Owner of its resource group. Two
 * clauses, because a write is checked on the request and a delete on the existing assignment.
 * https://learn.microsoft.com/azure/role-based-access-control/delegate-role-assignments-examples#example-constrain-roles
 */
export function roleAssignmentCondition(
  roleIds: readonly string[] = Object.values(builtInRoles),
): string {
  const ids = [...new Set(roleIds)].sort().join(', ');
  const clause = (action: 'write' | 'delete', source: 'Request' | 'Resource') =>
    `((!(ActionMatches{'Microsoft.Authorization/roleAssignments/${action}'})) OR (@${source}[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {${ids}}))`;
  return `${clause('write', 'Request')} AND ${clause('delete', 'Resource')}`;
}

// `npm run -s deploy-condition` prints it for `az role assignment create --condition`.
if (require.main === module) console.log(roleAssignmentCondition());
