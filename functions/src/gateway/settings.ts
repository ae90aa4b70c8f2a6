import { settingNames } from '../settings/settingNames';
import { type Env, nonEmpty } from '../settings/settingReaders';

/** How the gateway reaches IoT Hub; absent when the stage has no gateway settings. */
export interface GatewayConfig {
  readonly hubHostName: string;
  /** `GatewayHostName` for the device connection strings handed out; absent in Azure. */
  readonly gatewayHostName?: string;
  /** Where the hub's REST APIs are called: `https://{hubHostName}` unless set (the local cloud). */
  readonly endpoint: string;
  readonly registry:
    | { readonly kind: 'sas'; readonly policyName: string; readonly key: string }
    | { readonly kind: 'identity' };
  /** The built-in endpoint, for the pull feed. */
  readonly eventHub?: { readonly connectionString: string; readonly name: string };
}

/** The gateway's settings; absent without IOTHUB_HOSTNAME. A problem switches the gateway off. */
export function readSettings(env: Env, problems: string[]): GatewayConfig | undefined {
  const hubHostName = nonEmpty(env[settingNames.iotHubHostName]);
  if (!hubHostName) return undefined;
  if (!/^[A-Za-z0-9.-]+(:\d+)?$/.test(hubHostName)) {
    problems.push(
      `${settingNames.iotHubHostName} must be a host name such as fl-dev.azure-devices.net; got "${hubHostName}"`,
    );
    return undefined;
  }
  const gatewayHostName = nonEmpty(env[settingNames.iotHubGatewayHostName]);
  if (gatewayHostName && !/^[A-Za-z0-9.-]+(:\d+)?$/.test(gatewayHostName)) {
    problems.push(
      `${settingNames.iotHubGatewayHostName} must be a host name, with a port if not 8883, such as 127.0.0.1:8883; got "${gatewayHostName}"`,
    );
    return undefined;
  }
  const endpoint = nonEmpty(env[settingNames.iotHubEndpoint]) ?? `https://${hubHostName}`;
  if (!/^https?:\/\/[^/]+$/.test(endpoint)) {
    problems.push(
      `${settingNames.iotHubEndpoint} must be a base URL such as http://127.0.0.1:7081; got "${endpoint}"`,
    );
    return undefined;
  }
  const registryConnection = nonEmpty(env[settingNames.iotHubRegistryConnection]);
  let registry: GatewayConfig['registry'] = { kind: 'identity' };
  if (registryConnection) {
    const policyName = /SharedAccessKeyName=([^;]+)/i.exec(registryConnection)?.[1];
    const key = /SharedAccessKey=([^;]+)/i.exec(registryConnection)?.[1];
    if (!policyName || !key) {
      problems.push(
        `${settingNames.iotHubRegistryConnection} must be "HostName=...;SharedAccessKeyName=...;SharedAccessKey=..."`,
      );
    } else registry = { kind: 'sas', policyName, key };
  }
  const eventHubConnection = nonEmpty(env[settingNames.iotHubEventHub]);
  const eventHubName = nonEmpty(env[settingNames.iotHubEventHubName]);
  return {
    hubHostName,
    ...(gatewayHostName ? { gatewayHostName } : {}),
    endpoint,
    registry,
    ...(eventHubConnection && eventHubName
      ? { eventHub: { connectionString: eventHubConnection, name: eventHubName } }
      : {}),
  };
}
