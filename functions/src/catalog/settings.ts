import { settingNames } from '../settings/settingNames';
import { type Env, nonEmpty } from '../settings/settingReaders';

/**
 * How the app reaches Azure AI Search: an admin key for the local stand-in, the app's managed
 * identity in Azure (where keys are disabled).
 */
export type SearchConfig =
  | { readonly kind: 'apiKey'; readonly endpoint: string; readonly apiKey: string }
  | { readonly kind: 'identity'; readonly endpoint: string; readonly clientId?: string };

/** The catalog's search index; absent without SEARCH_ENDPOINT. */
export function readSettings(env: Env, problems: string[]): SearchConfig | undefined {
  const endpoint = nonEmpty(env[settingNames.searchEndpoint]);
  if (!endpoint) return undefined;
  if (!URL.canParse(endpoint) || !/^https:|^http:\/\/(127\.0\.0\.1|localhost)[:/]/.test(endpoint)) {
    problems.push(
      `${settingNames.searchEndpoint} must be the service URL, such as https://fl-dev-search.search.windows.net`,
    );
    return undefined;
  }
  const origin = new URL(endpoint).origin;
  const apiKey = nonEmpty(env[settingNames.searchApiKey]);
  if (apiKey) return { kind: 'apiKey', endpoint: origin, apiKey };
  const clientId = nonEmpty(env[settingNames.searchClientId]);
  return { kind: 'identity', endpoint: origin, ...(clientId ? { clientId } : {}) };
}
