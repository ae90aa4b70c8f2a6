import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HubConnectionBuilder, LogLevel } from '@microsoft/signalr';
import {
  type CryptoKey,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  importJWK,
  type JWTPayload,
  SignJWT,
  UnsecuredJWT,
} from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalCloud, startLocalCloud } from '../../../dev/localCloud';
import { createTokenVerifier } from '../../../functions/src/identity/tokenVerifier';
import { clientToken, userToken } from '../../../tools/tokens';

let stack: LocalCloud;
let reader: string;
const now = () => Math.floor(Date.now() / 1000);
/** The issuer's published signing key. */
const publishedKey = async () =>
  (
    (await (await fetch(`${stack.identity.issuer}/discovery/v2.0/keys`)).json()) as {
      keys: ({ kid: string } & Record<string, unknown>)[];
    }
  ).keys[0] as { kid: string } & Record<string, unknown>;

beforeAll(async () => {
  stack = await startLocalCloud({ log: () => undefined });
  reader = await clientToken(stack.endpoints.identity, 'Fleet.Read');
});
afterAll(() => stack?.stop());

const devices = (authorization?: string) =>
  fetch(`${stack.endpoints.apiBaseUrl}/devices`, {
    headers: authorization ? { authorization } : {},
  });

/** Claims like the local issuer's Fleet.Read client token; each case changes one thing. */
const valid = (): JWTPayload => ({
  iss: stack.identity.issuer,
  aud: 'api://fieldline-local',
  sub: 'tester',
  oid: 'tester',
  roles: ['Fleet.Read'],
  iat: now(),
  nbf: now(),
  exp: now() + 600,
  ver: '2.0',
});

describe('bearer tokens at the API', () => {
  it('accepts the issuer’s own token, and one it signs with the same claims', async () => {
    expect((await devices(`Bearer ${reader}`)).status).toBe(200);
    expect((await devices(`Bearer ${await stack.identity.sign(valid())}`)).status).toBe(200);
  });

  it.each<[string, () => Promise<string | undefined>, RegExp]>([
    ['no token', async () => undefined, /bearer token/],
    [
      'not a bearer header',
      async () => `Basic ${Buffer.from('a:b').toString('base64')}`,
      /bearer token/,
    ],
    [
      'an expired token',
      async () => stack.identity.sign({ ...valid(), exp: now() - 600 }),
      /expired/,
    ],
    [
      'a token not valid yet',
      async () => stack.identity.sign({ ...valid(), nbf: now() + 600 }),
      /nbf/,
    ],
    [
      'the wrong audience',
      async () => stack.identity.sign({ ...valid(), aud: 'api://other' }),
      /audience/,
    ],
    [
      'the wrong issuer',
      async () => stack.identity.sign({ ...valid(), iss: 'https://evil.example' }),
      /issuer/,
    ],
    [
      'another signing key with the issuer’s kid',
      async () => {
        const { privateKey } = await generateKeyPair('RS256');
        const { kid } = await publishedKey();
        return new SignJWT(valid()).setProtectedHeader({ alg: 'RS256', kid }).sign(privateKey);
      },
      /signature/,
    ],
    ['alg none', async () => `${new UnsecuredJWT(valid()).encode()}`, /RS256|invalid/],
    [
      'HS256 signed with the issuer’s public key',
      async () => {
        const jwk = await publishedKey();
        const pem = await exportSPKI((await importJWK(jwk, 'RS256')) as CryptoKey);
        return new SignJWT(valid())
          .setProtectedHeader({ alg: 'HS256', kid: jwk.kid })
          .sign(new TextEncoder().encode(pem));
      },
      /RS256/,
    ],
  ])('answers %s with 401 and a Bearer challenge', async (_case, token, message) => {
    const raw = await token();
    const response = await devices(
      raw === undefined ? undefined : raw.startsWith('Basic') ? raw : `Bearer ${raw}`,
    );
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('unauthorized');
    expect(body.error.message).toMatch(message);
  });

  it('answers a valid token without the role with 403, and a user acting on another with 403', async () => {
    const admin = await clientToken(stack.endpoints.identity, 'Fleet.Admin');
    const refused = await devices(`Bearer ${admin}`);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({
      error: { code: 'forbidden', message: expect.stringContaining('Fleet.Read') },
    });
    const [alice, bob] = await Promise.all([
      userToken(stack.endpoints.identity, 'alice'),
      userToken(stack.endpoints.identity, 'bob'),
    ]);
    const put = (token: string) =>
      fetch(`${stack.endpoints.apiBaseUrl}/users/carol`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ screenName: 'C', phone: '+447700900777', interests: ['a', 'b'] }),
      });
    expect((await put(alice)).status).toBe(200);
    expect((await put(bob)).status).toBe(409);
    const matches = await fetch(`${stack.endpoints.apiBaseUrl}/users/carol/matches`, {
      headers: { authorization: `Bearer ${bob}` },
    });
    expect(matches.status).toBe(403);
    // An app user's token carries no fleet roles, whatever the user is.
    expect((await devices(`Bearer ${alice}`)).status).toBe(403);
  });

  it('lets the official SignalR client connect only with a Fleet.Read token', async () => {
    const connect = async (token?: string) => {
      const connection = new HubConnectionBuilder()
        .withUrl(stack.endpoints.apiBaseUrl, token ? { accessTokenFactory: () => token } : {})
        .configureLogging(LogLevel.None)
        .build();
      try {
        await connection.start();
        return 'connected';
      } catch (error) {
        return String(error);
      } finally {
        await connection.stop();
      }
    };
    expect(await connect()).toMatch(/401/);
    expect(await connect(await stack.identity.sign({ ...valid(), aud: 'api://other' }))).toMatch(
      /401/,
    );
    expect(await connect(await userToken(stack.endpoints.identity, 'alice'))).toMatch(/403/);
    expect(await connect(reader)).toBe('connected');
  });
});

describe('the token verifier’s key cache', () => {
  it('fetches the keys once, and again only when a token names an unknown kid', async () => {
    const keys = [await generateKeyPair('RS256'), await generateKeyPair('RS256')];
    const published: { kid: string }[] = [];
    let fetches = 0;
    let issuer = '';
    const server = createServer((request, response) => {
      response.setHeader('content-type', 'application/json');
      if (request.url === '/.well-known/openid-configuration')
        return response.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/keys` }));
      fetches++;
      response.end(JSON.stringify({ keys: published }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const publish = async (index: number) =>
        published.push({
          ...(await exportJWK((keys[index] as { publicKey: CryptoKey }).publicKey)),
          kid: `k${index}`,
        });
      const token = (index: number) =>
        new SignJWT({ sub: 's', roles: ['Fleet.Read'] })
          .setProtectedHeader({ alg: 'RS256', kid: `k${index}` })
          .setIssuer(issuer)
          .setAudience('api://a')
          .setExpirationTime('5m')
          .sign((keys[index] as { privateKey: CryptoKey }).privateKey);
      await publish(0);
      const verify = createTokenVerifier(
        { operators: { issuer, audiences: ['api://a'], grantsRoles: true } },
        { keyRefreshCooldownMs: 0 },
      );
      await verify(`Bearer ${await token(0)}`);
      await verify(`Bearer ${await token(0)}`);
      expect(fetches).toBe(1);
      // The issuer rolls its key: the new kid is fetched, then cached in turn.
      await publish(1);
      const caller = await verify(`Bearer ${await token(1)}`);
      expect(caller.roles.has('Fleet.Read')).toBe(true);
      await verify(`Bearer ${await token(1)}`);
      expect(fetches).toBe(2);
    } finally {
      server.close();
    }
  });
});
