/**
 * Calls fieldline's API as a caller with `token`: the status and the JSON body, read as `Body`
 * (undefined when there is none). A string body is sent as it is, anything else as JSON.
 */
export function apiCalls<Body = Record<string, unknown>>(baseUrl: () => string) {
  return async (token: string, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${baseUrl()}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined
        ? {}
        : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    return {
      status: response.status,
      body: (await response.json().catch(() => undefined)) as Body,
    };
  };
}
