import { randomBytes } from 'node:crypto';
import type { OidcUser } from '../options';

/** An authorization code waiting to be exchanged, with what the exchange must match. */
export interface PendingCode {
  readonly user: OidcUser;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly challenge: string;
  readonly scope: string;
  readonly nonce?: string;
  readonly expiresAt: number;
}

export interface RefreshGrant {
  readonly user: OidcUser;
  readonly clientId: string;
  readonly scope: string;
}

/** Codes and refresh tokens, each good for one use, in memory. */
export class Grants {
  private readonly codes = new Map<string, PendingCode>();
  private readonly refreshTokens = new Map<string, RefreshGrant>();

  issueCode(pending: PendingCode): string {
    const code = randomBytes(32).toString('base64url');
    this.codes.set(code, pending);
    return code;
  }

  /** The code's grant, removed: single use, even when the exchange then fails. */
  redeemCode(code: string): PendingCode | undefined {
    const pending = this.codes.get(code);
    this.codes.delete(code);
    return pending;
  }

  issueRefreshToken(grant: RefreshGrant): string {
    const token = randomBytes(32).toString('base64url');
    this.refreshTokens.set(token, grant);
    return token;
  }

  /** The refresh token's grant, removed: rotated on every use, as for single-page apps. */
  redeemRefreshToken(token: string): RefreshGrant | undefined {
    const grant = this.refreshTokens.get(token);
    this.refreshTokens.delete(token);
    return grant;
  }
}
