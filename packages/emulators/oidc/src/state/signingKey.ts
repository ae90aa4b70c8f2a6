import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CryptoKey, JWK } from 'jose';

export interface SigningKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  /** The public half, as the JWKS lists it. */
  readonly publicJwk: JWK;
}

/**
 * The issuer's RS256 key: read from `file` when it exists (`npm start -- --data` keeps it, so tokens
 * outlive a restart), otherwise generated, and written to `file` when one is given.
 */
export async function loadOrCreateSigningKey(file: string | undefined): Promise<SigningKey> {
  const jose = await import('jose');
  let privateJwk: JWK | undefined;
  if (file) {
    try {
      privateJwk = JSON.parse(await readFile(file, 'utf8')) as JWK;
    } catch {
      // None yet: generate one below.
    }
  }
  if (!privateJwk) {
    const pair = await jose.generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
    privateJwk = await jose.exportJWK(pair.privateKey);
    if (file) {
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, `${JSON.stringify(privateJwk)}\n`, { mode: 0o600 });
    }
  }
  const { n, e } = privateJwk;
  // RFC 7638 thumbprint, shortened: the same key always has the same kid.
  const kid = createHash('sha256')
    .update(JSON.stringify({ e, kty: 'RSA', n }))
    .digest('base64url')
    .slice(0, 16);
  return {
    kid,
    privateKey: (await jose.importJWK(privateJwk, 'RS256')) as CryptoKey,
    publicJwk: { kty: 'RSA', n, e, kid, alg: 'RS256', use: 'sig' },
  };
}
