import { settingNames } from '../settings/settingNames';
import { type Env, nonEmpty } from '../settings/settingReaders';

/** How the app reaches the stage's Device Provisioning Service; absent without DPS_HOSTNAME. */
export interface ProvisioningConfig {
  /** DPS's service host: what its tokens are scoped to. */
  readonly hostName: string;
  /** Where its service REST API is called: `https://{hostName}` unless set (the local cloud). */
  readonly endpoint: string;
  readonly idScope: string;
  /** What a device passes to `ProvisioningDeviceClient.create`. */
  readonly deviceHost: string;
  readonly access:
    | { readonly kind: 'sas'; readonly policyName: string; readonly key: string }
    | { readonly kind: 'identity' };
}

const hostPattern = /^[A-Za-z0-9.-]+(:\d+)?$/;

/** The enrollment-group API's settings. A problem switches that API off, naming the setting. */
export function readSettings(env: Env, problems: string[]): ProvisioningConfig | undefined {
  const hostName = nonEmpty(env[settingNames.dpsHostName]);
  if (!hostName) return undefined;
  const idScope = nonEmpty(env[settingNames.dpsIdScope]);
  const deviceHost =
    nonEmpty(env[settingNames.dpsDeviceHost]) ?? 'global.azure-devices-provisioning.net';
  const endpoint = nonEmpty(env[settingNames.dpsEndpoint]) ?? `https://${hostName}`;
  const found: string[] = [];
  if (!hostPattern.test(hostName))
    found.push(
      `${settingNames.dpsHostName} must be a host name such as fl-dev-dps.azure-devices-provisioning.net; got "${hostName}"`,
    );
  if (!idScope || !/^[A-Za-z0-9]{1,64}$/.test(idScope))
    found.push(`${settingNames.dpsIdScope} must be the service's ID scope, such as 0ne00A1B2C3`);
  if (!hostPattern.test(deviceHost))
    found.push(
      `${settingNames.dpsDeviceHost} must be a host name, with a port if not 8883; got "${deviceHost}"`,
    );
  if (!/^https?:\/\/[^/]+$/.test(endpoint))
    found.push(
      `${settingNames.dpsEndpoint} must be a base URL such as http://127.0.0.1:7081; got "${endpoint}"`,
    );
  let access: ProvisioningConfig['access'] = { kind: 'identity' };
  const connection = nonEmpty(env[settingNames.dpsServiceConnection]);
  if (connection) {
    const policyName = /SharedAccessKeyName=([^;]+)/i.exec(connection)?.[1];
    const key = /SharedAccessKey=([^;]+)/i.exec(connection)?.[1];
    if (policyName && key) access = { kind: 'sas', policyName, key };
    else
      found.push(
        `${settingNames.dpsServiceConnection} must be "HostName=...;SharedAccessKeyName=...;SharedAccessKey=..."`,
      );
  }
  problems.push(...found);
  if (found.length > 0 || !idScope) return undefined;
  return { hostName, endpoint, idScope, deviceHost, access };
}
