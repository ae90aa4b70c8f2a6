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
        if (value !== undefined) params[name] = decodeURIComponent(value);
      });
      return params;
    },
  };
}
