import path from 'node:path';
import { spawnEmulator } from '@fieldline/emulator-kit';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { start, startOidcIssuer } from './index';

const bin = path.resolve(__dirname, '../bin/fieldline-oidc.cjs');

async function clientCredentials(issuer: string, id: string, secret: string, scope: string) {
  const response = await fetch(`${issuer}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: id,
      client_secret: secret,
      scope,
    }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, string> };
}

describe('the OIDC emulator on its own', () => {
  it('issues tokens for the clients and roles it was given, verifiable through its discovery document', async () => {
    const issuer = await startOidcIssuer({
      audience: 'api://orders',
      publicClientId: 'orders-spa',
      users: [],
      clients: [{ id: 'billing', secret: 's3cret', roles: ['Orders.Read'] }],
    });
    try {
      const discovery = (await (
        await fetch(`${issuer.issuer}/.well-known/openid-configuration`)
      ).json()) as { jwks_uri: string; scopes_supported: string[] };
      expect(discovery.scopes_supported).toContain('api://orders/user_impersonation');
      const granted = await clientCredentials(
        issuer.issuer,
        'billing',
        's3cret',
        'api://orders/.default',
      );
      const { payload } = await jwtVerify(
        granted.body.access_token as string,
        createRemoteJWKSet(new URL(discovery.jwks_uri)),
        { issuer: issuer.issuer, audience: 'api://orders' },
      );
      expect(payload).toMatchObject({ azp: 'billing', idtyp: 'app', roles: ['Orders.Read'] });
      const wrong = await clientCredentials(
        issuer.issuer,
        'billing',
        'guess',
        'api://orders/.default',
      );
      expect(wrong).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    } finally {
      await issuer.stop();
    }
  });

  it('its bin serves the sample client and exits cleanly on SIGINT', async () => {
    const running = await spawnEmulator(bin, ['--port', '0'], 2);
    const issuer = running.urls.issuer as string;
    const granted = await clientCredentials(
      issuer,
      'backend',
      'backend-secret',
      'api://oidc-emulator/.default',
    );
    expect(granted.status).toBe(200);
    expect(await running.stop()).toBe(0);
  });

  it('start() without options serves the sample issuer', async () => {
    const running = await start({ port: 0 });
    expect(running.urls.discovery).toMatch(/\/.well-known\/openid-configuration$/);
    await running.stop();
  });
});
