/** Which cross-origin callers a server answers, and what it tells their browsers. */
export interface CorsPolicy {
  readonly allows: (origin: string) => boolean;
  /** `Access-Control-Allow-Credentials: true`. */
  readonly credentials?: boolean;
  readonly headers?: string;
  readonly methods?: string;
}

/**
 * The response headers for a request from `origin`: the origin echoed back with `Vary: Origin`
 * when the policy allows it, or undefined when it does not (or the request has no origin).
 */
export function corsHeaders(
  origin: string | undefined,
  policy: CorsPolicy,
): Record<string, string> | undefined {
  if (!origin || !policy.allows(origin)) return undefined;
  return {
    'access-control-allow-origin': origin,
    ...(policy.credentials ? { 'access-control-allow-credentials': 'true' } : {}),
    ...(policy.headers ? { 'access-control-allow-headers': policy.headers } : {}),
    ...(policy.methods ? { 'access-control-allow-methods': policy.methods } : {}),
    vary: 'Origin',
  };
}
