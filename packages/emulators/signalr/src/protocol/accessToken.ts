import { createHmac, timingSafeEqual } from 'node:crypto';
import { parseConnectionString } from '@fieldline/emulator-kit';

/** The claims of a client or server access token, as the service reads them. */
export interface AccessTokenClaims {
  readonly aud: string;
  /** Expiry, seconds since the epoch. */
  readonly exp: number;
  readonly iat?: number;
  /** The user id, for user-targeted sends. */
  readonly nameid?: string;
}

/** A token as the service's `:generateToken` issues it: HS256 with the access key. */
export function signAccessToken(claims: AccessTokenClaims, accessKey: string): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`;
  return `${unsigned}.${createHmac('sha256', accessKey).update(unsigned).digest('base64url')}`;
}

export type TokenCheck = { ok: true; claims: AccessTokenClaims } | { ok: false; reason: string };

/** Verifies signature, algorithm, audience (case-insensitive, as URLs) and expiry. */
export function verifyAccessToken(
  token: string,
  accessKey: string,
  audience: string,
  nowMs: number,
): TokenCheck {
  const [header, payload, signature] = token.split('.');
  if (!header || !payload || !signature) return { ok: false, reason: 'not a JWT' };
  let parsedHeader: { alg?: unknown };
  let claims: Partial<AccessTokenClaims>;
  try {
    parsedHeader = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'the token is not valid JSON' };
  }
  if (parsedHeader.alg !== 'HS256') return { ok: false, reason: 'only HS256 tokens are accepted' };
  const expected = Buffer.from(
    createHmac('sha256', accessKey).update(`${header}.${payload}`).digest('base64url'),
  );
  const actual = Buffer.from(signature);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
    return { ok: false, reason: 'the signature does not match the access key' };
  }
  if (typeof claims.exp !== 'number' || claims.exp * 1000 <= nowMs)
    return { ok: false, reason: 'the token has expired' };
  if (typeof claims.aud !== 'string' || claims.aud.toLowerCase() !== audience.toLowerCase()) {
    return { ok: false, reason: `the audience must be ${audience}` };
  }
  return { ok: true, claims: claims as AccessTokenClaims };
}

export interface SignalRConnectionString {
  readonly endpoint: string;
  readonly accessKey: string;
}

/** Parses `Endpoint=https://...;AccessKey=...;Version=1.0;` (an optional `Port=` joins the endpoint). */
export function parseSignalRConnectionString(connectionString: string): SignalRConnectionString {
  const fields = parseConnectionString(connectionString, {
    kind: 'a SignalR',
    required: ['Endpoint', 'AccessKey'],
    example: 'Endpoint=...;AccessKey=...;Version=1.0;',
  });
  const endpoint = fields.get('endpoint') as string;
  const accessKey = fields.get('accesskey') as string;
  const port = fields.get('port');
  const url = new URL(endpoint);
  if (port) url.port = port;
  return { endpoint: url.origin, accessKey };
}
