import { createHmac } from 'node:crypto';

/** Claims of a token signed with a SignalR access key. */
export interface AccessKeyClaims {
  readonly aud: string;
  /** Expiry, seconds since the epoch. */
  readonly exp: number;
  readonly iat?: number;
  /** The user id, for user-targeted sends. */
  readonly nameid?: string;
}

/** An HS256 JWT signed with a SignalR access key, the way the service and its SDKs sign them. */
export function signAccessToken(claims: AccessKeyClaims, accessKey: string): string {
  const encode = (data: string) => Buffer.from(data).toString('base64url');
  const header = encode(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const payload = encode(JSON.stringify(claims));
  const signature = createHmac('sha256', accessKey)
    .update(`${header}.${payload}`)
    .digest('base64url');
  return `${header}.${payload}.${signature}`;
}
