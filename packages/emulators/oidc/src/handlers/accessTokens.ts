import type { JWTPayload } from 'jose';
import type { IssuerSettings, OidcClient, OidcUser } from '../options';
import { subjectId } from '../protocol/subject';
import type { Grants } from '../state/grants';

export const tokenSeconds = 3600;

export interface TokenMinter {
  /** The token endpoint's answer for a signed-in user: access, ID and refresh tokens as the scope asks. */
  forUser(user: OidcUser, clientId: string, scope: string, nonce?: string): Promise<object>;
  /** The token endpoint's answer for the client credentials grant: an app-only access token. */
  forClient(client: OidcClient): Promise<object>;
}

/** Tokens shaped like Entra ID v2 access and ID tokens, signed by `sign`. */
export function createTokenMinter(deps: {
  readonly settings: IssuerSettings;
  readonly grants: Grants;
  readonly issuer: () => string;
  readonly sign: (claims: JWTPayload) => Promise<string>;
}): TokenMinter {
  const { settings } = deps;
  const common = (subject: string) => {
    const issuedAt = Math.floor(settings.now() / 1000);
    return {
      iss: deps.issuer(),
      iat: issuedAt,
      nbf: issuedAt,
      exp: issuedAt + tokenSeconds,
      tid: settings.tenantId,
      sub: subject,
      oid: subject,
      ver: '2.0',
    };
  };
  return {
    async forUser(user, clientId, scope, nonce) {
      const subject = subjectId(settings.subjectNamespace, `user:${user.username}`);
      const identityClaims = {
        name: user.name,
        preferred_username: `${user.username}@${settings.userDomain}`,
      };
      const refreshToken = deps.grants.issueRefreshToken({ user, clientId, scope });
      const scopes = scope.split(' ');
      const forApi = scopes.some((s) => s.startsWith(`${settings.audience}/`));
      return {
        token_type: 'Bearer',
        expires_in: tokenSeconds,
        scope,
        ...(forApi
          ? {
              access_token: await deps.sign({
                ...common(subject),
                ...identityClaims,
                aud: settings.audience,
                azp: clientId,
                scp: settings.delegatedScope,
                roles: [...user.roles],
              }),
            }
          : {}),
        ...(scopes.includes('openid')
          ? {
              id_token: await deps.sign({
                ...common(subject),
                ...identityClaims,
                aud: clientId,
                ...(nonce ? { nonce } : {}),
              }),
            }
          : {}),
        ...(scopes.includes('offline_access') ? { refresh_token: refreshToken } : {}),
      };
    },
    async forClient(client) {
      const subject = subjectId(settings.subjectNamespace, `client:${client.id}`);
      return {
        token_type: 'Bearer',
        expires_in: tokenSeconds,
        access_token: await deps.sign({
          ...common(subject),
          aud: settings.audience,
          azp: client.id,
          idtyp: 'app',
          roles: [...client.roles],
        }),
      };
    },
  };
}
