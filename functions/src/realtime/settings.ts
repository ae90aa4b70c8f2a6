import { settingNames } from '../settings/settingNames';
import { type Env, nonEmpty } from '../settings/settingReaders';

/** How the app reaches SignalR Service's REST API: an access key locally, managed identity in Azure. */
export type RealtimeConfig =
  | { readonly kind: 'accessKey'; readonly endpoint: string; readonly accessKey: string }
  | { readonly kind: 'identity'; readonly endpoint: string; readonly clientId?: string };

/** How the app reaches SignalR Service; absent without its setting. */
export function readSettings(env: Env, problems: string[]): RealtimeConfig | undefined {
  const name = settingNames.signalR;
  const connectionString = nonEmpty(env[name]);
  if (connectionString) {
    const field = (key: string) =>
      new RegExp(`(?:^|;)\\s*${key}=([^;]+)`, 'i').exec(connectionString)?.[1];
    const endpoint = field('Endpoint');
    const accessKey = field('AccessKey');
    if (!endpoint || !accessKey || !URL.canParse(endpoint)) {
      problems.push(`${name} must be "Endpoint=https://...;AccessKey=...;Version=1.0;"`);
      return undefined;
    }
    const url = new URL(endpoint);
    const port = field('Port');
    if (port) url.port = port;
    return { kind: 'accessKey', endpoint: url.origin, accessKey };
  }
  const serviceUri = nonEmpty(env[`${name}__serviceUri`]);
  if (!serviceUri) return undefined;
  if (!URL.canParse(serviceUri)) {
    problems.push(
      `${name}__serviceUri must be the service URL, such as https://fl-dev-rt.service.signalr.net`,
    );
    return undefined;
  }
  const clientId = nonEmpty(env[`${name}__clientId`]);
  return {
    kind: 'identity',
    endpoint: new URL(serviceUri).origin,
    ...(clientId ? { clientId } : {}),
  };
}
