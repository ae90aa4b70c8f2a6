import { createHash } from 'node:crypto';
import type { IssuerSettings } from '../options';
import type { Grants } from '../state/grants';
import type { TokenMinter } from './accessTokens';

/** `/token`'s three grants; answers `[status, body]`, with errors as OAuth 2.0 words them. */
export async function tokenGrant(
  form: URLSearchParams,
  authorization: string | undefined,
  deps: {
    readonly settings: IssuerSettings;
    readonly grants: Grants;
    readonly minter: TokenMinter;
  },
): Promise<[number, unknown]> {
  const { settings, grants, minter } = deps;
  const error = (status: number, code: string, description: string): [number, unknown] => [
    status,
    { error: code, error_description: description },
  ];
  switch (form.get('grant_type')) {
    case 'authorization_code': {
      const code = grants.redeemCode(form.get('code') ?? '');
      if (!code || code.expiresAt < Math.floor(settings.now() / 1000))
        return error(400, 'invalid_grant', 'the code is unknown, used or expired');
      if (form.get('client_id') !== code.clientId || form.get('redirect_uri') !== code.redirectUri)
        return error(
          400,
          'invalid_grant',
          'client_id and redirect_uri must match the authorization request',
        );
      const verifier = form.get('code_verifier') ?? '';
      if (createHash('sha256').update(verifier).digest('base64url') !== code.challenge)
        return error(400, 'invalid_grant', 'code_verifier does not match the code_challenge');
      return [200, await minter.forUser(code.user, code.clientId, code.scope, code.nonce)];
    }
    case 'refresh_token': {
      const grant = grants.redeemRefreshToken(form.get('refresh_token') ?? '');
      if (!grant || grant.clientId !== form.get('client_id'))
        return error(400, 'invalid_grant', 'the refresh token is unknown or used');
      return [
        200,
        await minter.forUser(grant.user, grant.clientId, form.get('scope') ?? grant.scope),
      ];
    }
    case 'client_credentials': {
      const basic = /^Basic (.+)$/i.exec(authorization ?? '')?.[1];
      const [basicId, basicSecret] = basic
        ? Buffer.from(basic, 'base64').toString('utf8').split(':').map(decodeURIComponent)
        : [];
      const clientId = basicId ?? form.get('client_id');
      const secret = basicSecret ?? form.get('client_secret');
      const client = settings.clients.find((c) => c.id === clientId);
      if (!client || client.secret !== secret)
        return error(401, 'invalid_client', 'unknown client_id or wrong client_secret');
      if (form.get('scope') !== `${settings.audience}/.default`)
        return error(400, 'invalid_scope', `scope must be ${settings.audience}/.default`);
      return [200, await minter.forClient(client)];
    }
    default:
      return error(
        400,
        'unsupported_grant_type',
        'grant_type must be authorization_code, refresh_token or client_credentials',
      );
  }
}
