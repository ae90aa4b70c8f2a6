/**
 * Throws one error naming every problem with a component's arguments. Components call it before
 * they create any child, as pulumi-awsx's do, so a bad argument never leaves half a component.
 */
export function refuseArgs(type: string, name: string, problems: readonly string[]): void {
  if (problems.length > 0) throw new Error(`${type} ${name}: ${problems.join('; ')}`);
}

/** The names that appear more than once. */
export function repeated(values: readonly string[]): string[] {
  return [...new Set(values.filter((value, index) => values.indexOf(value) !== index))];
}
