import type http from 'node:http';
import type { IssuerSettings, OidcUser } from '../options';
import { escapeHtml, isLoopback, page, redirect } from '../protocol/issuerHttp';
import type { Grants } from '../state/grants';

const codeSeconds = 60;

/** `/authorize`: checks the request, then signs in the `login_hint` user or shows the user list. */
export function authorize(
  params: URLSearchParams,
  response: http.ServerResponse,
  deps: { readonly settings: IssuerSettings; readonly grants: Grants },
) {
  const { settings } = deps;
  const clientId = params.get('client_id') ?? '';
  const redirectUri = params.get('redirect_uri') ?? '';
  if (clientId !== settings.publicClientId)
    return page(
      response,
      400,
      `<h1>Unknown client</h1><p>client_id must be ${escapeHtml(settings.publicClientId)}.</p>`,
    );
  if (!isLoopback(redirectUri))
    return page(
      response,
      400,
      '<h1>Bad redirect_uri</h1><p>The local issuer redirects only to loopback addresses.</p>',
    );
  const back = new URL(redirectUri);
  const state = params.get('state');
  if (state) back.searchParams.set('state', state);
  const fail = (error: string, description: string) => {
    back.searchParams.set('error', error);
    back.searchParams.set('error_description', description);
    return redirect(response, back.toString());
  };
  if (params.get('response_type') !== 'code')
    return fail('unsupported_response_type', 'only the authorization code flow is supported');
  const challenge = params.get('code_challenge');
  if (!challenge || params.get('code_challenge_method') !== 'S256')
    return fail('invalid_request', 'PKCE is required: send code_challenge with method S256');
  const chosen = params.get('user') ?? params.get('login_hint')?.replace(/@.*$/, '');
  const user = settings.users.find((u) => u.username === chosen);
  if (!user) return page(response, 200, signInPage(params, settings.users));
  const nonce = params.get('nonce');
  const code = deps.grants.issueCode({
    user,
    clientId,
    redirectUri,
    challenge,
    scope: params.get('scope') ?? 'openid',
    ...(nonce ? { nonce } : {}),
    expiresAt: Math.floor(settings.now() / 1000) + codeSeconds,
  });
  back.searchParams.set('code', code);
  return redirect(response, back.toString());
}

function signInPage(params: URLSearchParams, users: readonly OidcUser[]): string {
  const hidden = [...params]
    .filter(([name]) => name !== 'user' && name !== 'login_hint')
    .map(
      ([name, value]) =>
        `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`,
    )
    .join('');
  const buttons = users
    .map(
      (u) =>
        `<li><button name="user" value="${escapeHtml(u.username)}">${escapeHtml(u.name)}</button> <small>${escapeHtml(u.username)}${u.roles.length ? ` · ${u.roles.join(', ')}` : ' · app user'}</small></li>`,
    )
    .join('');
  return `<h1>Sign in to the fieldline local cloud</h1><p>Choose a local user. This issuer runs on your machine only.</p><form method="post" action="/oauth2/v2.0/authorize">${hidden}<ul>${buttons}</ul></form>`;
}
