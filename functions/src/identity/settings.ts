import { settingNames } from '../settings/settingNames';
import { type Env, isIssuerUrl, list, nonEmpty } from '../settings/settingReaders';
import type { IdentityConfig } from './tokenVerifier';

/** Bearer-token validation for operators and app users; absent (every protected call 503) without AUTH_ISSUER. */
export function readSettings(env: Env, problems: string[]): IdentityConfig | undefined {
  const issuer = nonEmpty(env[settingNames.authIssuer]);
  if (!issuer) {
    // Not optional like a feature: without an issuer nobody can use the API, and health says so.
    problems.push(
      `${settingNames.authIssuer} is not set: every token-protected endpoint answers 503 until it is`,
    );
    return undefined;
  }
  const audiences = list(env[settingNames.authAudience]);
  const userIssuer = nonEmpty(env[settingNames.userAuthIssuer]) ?? issuer;
  const userAudiences = list(env[settingNames.userAuthAudience]);
  for (const [name, value] of [
    [settingNames.authIssuer, issuer],
    [settingNames.userAuthIssuer, userIssuer],
  ] as const)
    if (!isIssuerUrl(value))
      problems.push(
        `${name} must be an https URL (http only for localhost), such as https://login.microsoftonline.com/<tenant>/v2.0; got "${value}"`,
      );
  if (audiences.length === 0)
    problems.push(
      `${settingNames.authAudience} is missing: set it to the API's client id (and identifier URI), comma-separated`,
    );
  return {
    operators: { issuer, audiences, grantsRoles: true },
    users: {
      issuer: userIssuer,
      audiences: userAudiences.length > 0 ? userAudiences : audiences,
      // App users' roles count only when their tokens come from the operators' own issuer and API.
      grantsRoles: false,
    },
  };
}
