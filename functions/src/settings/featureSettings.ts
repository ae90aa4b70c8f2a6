import type { IdentityConfig } from '../identity/tokenVerifier';
import type {
  EncounterConfig,
  GatewayConfig,
  RealtimeConfig,
  SearchConfig,
  StorageConnection,
} from './config';
import { settingNames } from './settingNames';
import { type Env, isIssuerUrl, list, nonEmpty, readInteger } from './settingReaders';

// Each optional feature's settings, read and checked: a problem switches that feature off.

export function readIdentity(env: Env, problems: string[]): IdentityConfig | undefined {
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

export function readRealtime(env: Env, problems: string[]): RealtimeConfig | undefined {
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

export function readStorageConnection(
  env: Env,
  name: string,
  problems: string[],
): StorageConnection | undefined {
  const connectionString = nonEmpty(env[name]);
  if (connectionString !== undefined) {
    if (
      !/AccountName=|UseDevelopmentStorage=true|BlobEndpoint=|TableEndpoint=/i.test(
        connectionString,
      )
    ) {
      problems.push(
        `${name} is not a storage connection string (expected "DefaultEndpointsProtocol=...;AccountName=...").`,
      );
      return undefined;
    }
    return { kind: 'connectionString', connectionString };
  }
  // Identity-based form, as the Functions host reads it: <name>__accountName or <name>__<service>ServiceUri.
  const accountName = nonEmpty(env[`${name}__accountName`]);
  const serviceUri = (service: 'table' | 'queue' | 'blob'): string | undefined =>
    nonEmpty(env[`${name}__${service}ServiceUri`]) ??
    (accountName ? `https://${accountName}.${service}.core.windows.net` : undefined);
  const tableServiceUri = serviceUri('table');
  const queueServiceUri = serviceUri('queue');
  const blobServiceUri = serviceUri('blob');
  if (!tableServiceUri || !queueServiceUri || !blobServiceUri) {
    problems.push(
      `${name} is missing: set ${name} to a storage connection string, or ${name}__accountName for managed identity.`,
    );
    return undefined;
  }
  const clientId = nonEmpty(env[`${name}__clientId`]);
  return {
    kind: 'identity',
    tableServiceUri,
    queueServiceUri,
    blobServiceUri,
    ...(clientId ? { clientId } : {}),
  };
}

export function readAlarmWebhook(
  env: Env,
  problems: string[],
): { webhook?: { url: string; secret: string } } {
  const url = nonEmpty(env[settingNames.alarmWebhookUrl]);
  if (!url) return {};
  const secret = nonEmpty(env[settingNames.alarmWebhookSecret]);
  // Plain HTTP only to this machine (the local cloud's tests and tools).
  if (!/^https:\/\/\S+$/.test(url) && !/^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?\//.test(url))
    problems.push(`${settingNames.alarmWebhookUrl} must be an https URL; got "${url}"`);
  if (!secret || secret.length < 16)
    problems.push(
      `${settingNames.alarmWebhookSecret} must be set, 16 characters or more, when ${settingNames.alarmWebhookUrl} is`,
    );
  return secret ? { webhook: { url, secret } } : {};
}

export function readGateway(env: Env, problems: string[]): GatewayConfig | undefined {
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

export function readSearch(env: Env, problems: string[]): SearchConfig | undefined {
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

export function readMongodbUri(env: Env, problems: string[]): string | undefined {
  const mongodbUri = nonEmpty(env[settingNames.mongodbUri]);
  if (mongodbUri && !/^mongodb(\+srv)?:\/\//.test(mongodbUri))
    problems.push(
      `${settingNames.mongodbUri} must be a mongodb:// or mongodb+srv:// connection string`,
    );
  return mongodbUri;
}

export function readEncounters(env: Env, problems: string[]): EncounterConfig | undefined {
  const mongodbUri = readMongodbUri(env, problems);
  if (!mongodbUri) return undefined;
  const maxMatches = readInteger(
    env,
    settingNames.encounterMaxMatches,
    { min: 1, max: 10, fallback: 2 },
    problems,
  );
  const locationFreshMs =
    readInteger(
      env,
      settingNames.encounterLocationFreshMinutes,
      { min: 1, max: 1440, fallback: 15 },
      problems,
    ) * 60_000;
  const twilioAuthToken = nonEmpty(env[settingNames.twilioAuthToken]);
  const mode = nonEmpty(env[settingNames.smsMode]) ?? 'twilio';
  let sms: EncounterConfig['sms'] = { kind: 'outbox' };
  if (mode === 'twilio') {
    const accountSid = nonEmpty(env[settingNames.twilioAccountSid]);
    const from = nonEmpty(env[settingNames.twilioFrom]);
    const apiBaseUrl = nonEmpty(env[settingNames.twilioApiBaseUrl]);
    if (!accountSid || !/^AC[0-9a-fA-F]{32}$/.test(accountSid))
      problems.push(
        `${settingNames.twilioAccountSid} must be a Twilio account SID (AC followed by 32 hex digits) when ${settingNames.smsMode} is twilio; set ${settingNames.smsMode}=outbox to keep SMS in a table instead`,
      );
    if (!twilioAuthToken)
      problems.push(
        `${settingNames.twilioAuthToken} is missing; it is required when ${settingNames.smsMode} is twilio`,
      );
    if (!from || !/^(\+[1-9]\d{7,14}|MG[0-9a-fA-F]{32})$/.test(from))
      problems.push(
        `${settingNames.twilioFrom} must be an E.164 number or a Messaging Service SID (MG...) when ${settingNames.smsMode} is twilio`,
      );
    if (apiBaseUrl && !URL.canParse(apiBaseUrl))
      problems.push(`${settingNames.twilioApiBaseUrl} must be a URL`);
    if (accountSid && twilioAuthToken && from)
      sms = {
        kind: 'twilio',
        twilio: {
          accountSid,
          authToken: twilioAuthToken,
          from,
          ...(apiBaseUrl ? { apiBaseUrl } : {}),
        },
      };
  } else if (mode !== 'outbox')
    problems.push(`${settingNames.smsMode} must be twilio or outbox; got "${mode}"`);
  const twilioWebhookUrl = nonEmpty(env[settingNames.twilioWebhookUrl]);
  if (twilioWebhookUrl && !/^https?:\/\//.test(twilioWebhookUrl))
    problems.push(
      `${settingNames.twilioWebhookUrl} must be the full URL Twilio calls, such as https://api.example.com/api/twilio/inbound`,
    );
  return {
    mongodbUri,
    maxMatches,
    ...(twilioWebhookUrl ? { twilioWebhookUrl } : {}),
    locationFreshMs,
    sms,
    ...(twilioAuthToken ? { twilioAuthToken } : {}),
  };
}
