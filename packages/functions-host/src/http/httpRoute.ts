/** A compiled route template such as `devices/{id}/calibration` or `items/{id?}`. */
export interface HttpRoute {
  match(path: string): Record<string, string> | undefined;
}

export function compileRoute(template: string): HttpRoute {
  const names: string[] = [];
  const pattern = template
    .replace(/^\/+|\/+$/g, '')
    .split('/')
    .map((segment) => {
      const param = /^\{(\*?)([A-Za-z_][A-Za-z0-9_]*)(?::[^}?]+)?(\?)?\}$/.exec(segment);
      if (!param) return `/${segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`;
      const [, catchAll, name = '', optional] = param;
      names.push(name);
      const value = catchAll ? '(.+)' : '([^/]+)';
      return optional ? `(?:/${value})?` : `/${value}`;
    })
    .join('');
  const regex = new RegExp(`^${pattern}/?$`, 'i');
  return {
    match(path) {
      const found = regex.exec(path.startsWith('/') ? path : `/${path}`);
      if (!found) return undefined;
      const params: Record<string, string> = {};
      names.forEach((name, index) => {
        const value = found[index + 1];
        if (value !== undefined) params[name] = decodeRouteValue(value);
      });
      return params;
    },
  };
}

/**
 * A route value decoded as ASP.NET Core's routing (the Functions host) decodes it: each run of
 * valid escapes becomes its text, and what does not decode (`%'`, a lone `%E0`) stays as sent,
 * rather than failing the request. The function then sees the odd value and refuses it itself.
 */
export function decodeRouteValue(value: string): string {
  return value.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}
