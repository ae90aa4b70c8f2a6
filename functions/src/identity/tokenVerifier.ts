import type { JWTPayload, JWTVerifyGetKey } from 'jose';
import { AppError } from '../host/appError';
import type { Caller } from './caller';

/** One accepted issuer and the audiences its tokens may name. */
export interface TrustedIssuer {
  readonly issuer: string;
  readonly audiences: readonly string[];
  /** Whether the `roles` claim counts: only for the operators' own tenant and API. */
  readonly grantsRoles: boolean;
}

export interface IdentityConfig {
  /** Operators and back ends: Entra ID in Azure, the local issuer locally. */
  readonly operators: TrustedIssuer;
  /** App users of the encounters API; the same issuer and audience unless configured apart. */
  readonly users?: TrustedIssuer;
}

/** Validates an `Authorization` header; throws an `unauthorized` AppError when it cannot. */
export type Authenticate = (authorization: string | null) => Promise<Caller>;

// Tolerated clock difference between the issuer and this host, for `exp` and `nbf`.
const clockSkewSeconds = 120;

/**
 * Bearer-token validation with `jose`: RS256 only, against the keys in the issuer's JWKS, found
 * through its OpenID discovery document. Keys are cached, and fetched again when a token names an
 * unknown `kid` (jose's remote key set does that, at most once per cooldown).
 */
export function createTokenVerifier(
  config: IdentityConfig,
  options: {
    /** The least time between two JWKS fetches for unknown `kid`s; 30 s unless a test says otherwise. */
    readonly keyRefreshCooldownMs?: number;
  } = {},
): Authenticate {
  const trusted = [config.operators, ...(config.users ? [config.users] : [])];
  const keySets = new Map<string, Promise<JWTVerifyGetKey>>();

  const keySet = (issuer: string): Promise<JWTVerifyGetKey> => {
    let found = keySets.get(issuer);
    if (!found) {
      found = discoverKeys(issuer, options.keyRefreshCooldownMs ?? 30_000);
      // A failed discovery is forgotten, so the next request tries again.
      found.catch(() => keySets.delete(issuer));
      keySets.set(issuer, found);
    }
    return found;
  };

  return async (authorization) => {
    const token = /^Bearer ([A-Za-z0-9_.~+/=-]+)$/i.exec(authorization?.trim() ?? '')?.[1];
    if (!token) throw unauthorized('send a bearer token: Authorization: Bearer <token>', false);
    const jose = await import('jose');
    let claims: JWTPayload;
    try {
      claims = jose.decodeJwt(token);
    } catch {
      throw unauthorized('the bearer token is not a JWT');
    }
    const audiences = typeof claims.aud === 'string' ? [claims.aud] : (claims.aud ?? []);
    const candidates = trusted.filter((t) => t.issuer === claims.iss);
    if (candidates.length === 0)
      throw unauthorized('the token is from an issuer this API does not trust');
    const chosen = candidates.find((t) => t.audiences.some((a) => audiences.includes(a)));
    if (!chosen) throw unauthorized('the token is not for this API (wrong audience)');
    let keys: JWTVerifyGetKey;
    try {
      keys = await keySet(chosen.issuer);
    } catch (error) {
      throw new AppError(
        'unavailable',
        `cannot reach the identity provider ${chosen.issuer}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jose.jwtVerify(token, keys, {
        issuer: chosen.issuer,
        audience: [...chosen.audiences],
        algorithms: ['RS256'],
        clockTolerance: clockSkewSeconds,
        requiredClaims: ['exp', 'sub'],
      }));
    } catch (error) {
      throw unauthorized(reason(error));
    }
    const roles =
      chosen.grantsRoles && Array.isArray(payload.roles)
        ? payload.roles.filter((role): role is string => typeof role === 'string')
        : [];
    const name = [payload.preferred_username, payload.name].find((n) => typeof n === 'string');
    return {
      issuer: chosen.issuer,
      subject: payload.sub as string,
      roles: new Set(roles),
      ...(typeof name === 'string' ? { name } : {}),
    };
  };
}

async function discoverKeys(issuer: string, cooldownMs: number): Promise<JWTVerifyGetKey> {
  const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  const document = (await response.json()) as { issuer?: unknown; jwks_uri?: unknown };
  // OpenID Connect Discovery 1.0, section 4.3: the document must name the issuer it came from.
  if (document.issuer !== issuer)
    throw new Error(`${url} names issuer ${String(document.issuer)}, not ${issuer}`);
  if (typeof document.jwks_uri !== 'string') throw new Error(`${url} has no jwks_uri`);
  const { createRemoteJWKSet } = await import('jose');
  return createRemoteJWKSet(new URL(document.jwks_uri), {
    timeoutDuration: 5_000,
    cooldownDuration: cooldownMs,
    cacheMaxAge: 10 * 60_000,
  });
}

function reason(error: unknown): string {
  const code = (error as { code?: string }).code;
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return 'the token has expired';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return `the token's ${(error as { claim?: string }).claim ?? 'claims'} claim is not accepted`;
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return 'only RS256-signed tokens are accepted';
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return 'the token is not signed by a key of its issuer';
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'the token signature is invalid';
    default:
      return 'the bearer token is invalid';
  }
}

/** 401; `invalid` adds RFC 6750's `error="invalid_token"` to the challenge. */
export function unauthorized(message: string, invalid = true): AppError {
  return new AppError('unauthorized', message, {
    headers: {
      'www-authenticate': invalid
        ? `Bearer error="invalid_token", error_description="${message.replace(/"/g, "'")}"`
        : 'Bearer',
    },
  });
}
