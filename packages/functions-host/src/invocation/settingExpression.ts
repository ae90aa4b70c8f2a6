/** Resolves `%NAME%` app-setting expressions, as the Functions host does for binding properties. */
export function resolveSettingExpression(
  value: string,
  settings: Readonly<Record<string, string | undefined>>,
): string {
  return value.replace(/%([^%]+)%/g, (_, name: string) => {
    const resolved = settings[name];
    if (resolved === undefined)
      throw new Error(`binding expression %${name}% names an app setting that is not set`);
    return resolved;
  });
}
