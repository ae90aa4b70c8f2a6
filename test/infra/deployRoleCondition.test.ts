import { beforeAll, describe, expect, it } from 'vitest';
import { builtInRoles } from '../../infra/components/roles';
import { roleAssignmentCondition } from '../../infra/deployRoleCondition';
import type { SynthesizedResource } from '../../infra/offline/synthesize';
import { ofType, stacks, synthesizeStack } from './stackGraph';

describe("the deployment identity's role-assignment condition", () => {
  const assigned = new Set<string>();
  beforeAll(async () => {
    for (const { stack, file } of stacks) {
      const graph: SynthesizedResource[] = await synthesizeStack(stack, file);
      for (const grant of ofType(graph, 'azure-native:authorization:RoleAssignment'))
        assigned.add(String(String(grant.inputs.roleDefinitionId).split('/').at(-1)));
    }
  }, 120_000);

  it('names exactly the roles the dev and prod stacks assign: no more, none missing', () => {
    const condition = roleAssignmentCondition();
    const [write, remove] = [...condition.matchAll(/GuidEquals \{([^}]*)\}/g)].map((m) =>
      (m[1] ?? '').split(', ').sort(),
    );
    expect(write).toEqual([...assigned].sort());
    expect(remove).toEqual(write);
    // Every role the stack may assign is in use, so the list is the least the stack needs.
    expect(Object.values(builtInRoles).sort()).toEqual([...assigned].sort());
  });

  it('is the documented shape: writes checked on the request, deletes on the assignment', () => {
    expect(roleAssignmentCondition(['b', 'a'])).toBe(
      "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR (@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {a, b})) AND ((!(ActionMatches{'Microsoft.Authorization/roleAssignments/delete'})) OR (@Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {a, b}))",
    );
  });
});
