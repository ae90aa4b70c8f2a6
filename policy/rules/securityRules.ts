import { namedHttpsOrigins, type PolicyRule, prop, requirement } from './policyRule';

const storageAccount = ['azure-native:storage:StorageAccount'];
const webApp = ['azure-native:web:WebApp'];

/** Built-in roles that grant everything, or the right to grant: never given to the app. */
const broadRoles: Readonly<Record<string, string>> = {
  '8e3af657-a8ff-443c-a75c-2fe8c4bcb635': 'Owner',
  'b24988ac-6180-42a0-ab88-20f7382dd24c': 'Contributor',
  '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9': 'User Access Administrator',
};
const blobDataOwner = 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b';
const looksSecret =
  /AccountKey=|SharedAccessKey=|AccessKey=|password=|mongodb(\+srv)?:\/\/[^@/]+:[^@/]+@/i;

/**
 * HTTP functions anyone may call, each listed with its reason in the README ("Who may call what").
 * Device SAS and Twilio-signed functions are not anonymous: they prove who calls another way.
 */
export const documentedPublicFunctions: readonly string[] = ['health'];
const accessKinds = ['public', 'deviceSas', 'twilioSignature', 'roles', 'user', 'signedIn'];

/** Least privilege, encryption in transit, identity over keys. Checkov ids where one exists. */
export const securityRules: readonly PolicyRule[] = [
  requirement({
    name: 'storage-https-only',
    description: 'Storage accounts accept HTTPS only (CKV_AZURE_3).',
    source: 'https://learn.microsoft.com/azure/storage/common/storage-require-secure-transfer',
    category: 'security',
    resourceTypes: storageAccount,
    ok: (r) => r.props.enableHttpsTrafficOnly === true,
    message: 'set enableHttpsTrafficOnly: true',
  }),
  requirement({
    name: 'storage-tls-1-2',
    description: 'Storage accounts require TLS 1.2 (CKV_AZURE_44).',
    source:
      'https://learn.microsoft.com/azure/storage/common/transport-layer-security-configure-minimum-version',
    category: 'security',
    resourceTypes: storageAccount,
    ok: (r) => r.props.minimumTlsVersion === 'TLS1_2',
    message: 'set minimumTlsVersion: TLS1_2',
  }),
  requirement({
    name: 'storage-no-anonymous-blobs',
    description: 'Storage accounts allow no anonymous blob access (CKV_AZURE_190).',
    source: 'https://learn.microsoft.com/azure/storage/blobs/anonymous-read-access-prevent',
    category: 'security',
    resourceTypes: storageAccount,
    ok: (r) => r.props.allowBlobPublicAccess === false,
    message: 'set allowBlobPublicAccess: false',
  }),
  requirement({
    name: 'storage-no-shared-key',
    description: 'Storage accounts refuse shared keys: every caller uses Entra ID (CKV2_AZURE_40).',
    source: 'https://learn.microsoft.com/azure/storage/common/shared-key-authorization-prevent',
    category: 'security',
    resourceTypes: storageAccount,
    ok: (r) => r.props.allowSharedKeyAccess === false,
    message: 'set allowSharedKeyAccess: false',
  }),
  requirement({
    name: 'blob-container-private',
    description: 'No blob container is public (CKV_AZURE_34).',
    source: 'https://learn.microsoft.com/azure/storage/blobs/anonymous-read-access-configure',
    category: 'security',
    resourceTypes: ['azure-native:storage:BlobContainer'],
    ok: (r) => r.props.publicAccess === 'None',
    message: 'set publicAccess: None',
  }),
  requirement({
    name: 'function-app-https-only',
    description: 'The function app is reachable over HTTPS only (CKV_AZURE_70).',
    source: 'https://learn.microsoft.com/azure/app-service/configure-ssl-bindings#enforce-https',
    category: 'security',
    resourceTypes: webApp,
    ok: (r) => r.props.httpsOnly === true,
    message: 'set httpsOnly: true',
  }),
  requirement({
    name: 'function-app-tls-1-2',
    description: 'The function app requires TLS 1.2 (CKV_AZURE_145).',
    source: 'https://learn.microsoft.com/azure/app-service/overview-tls',
    category: 'security',
    resourceTypes: webApp,
    ok: (r) => prop(r, 'siteConfig.minTlsVersion') === '1.2',
    message: 'set siteConfig.minTlsVersion: 1.2',
  }),
  requirement({
    name: 'function-app-cors-restricted',
    description:
      'CORS admits named HTTPS origins only, never every origin (CKV_AZURE_62), and without credentials: callers send bearer tokens, never cookies.',
    source:
      'https://learn.microsoft.com/azure/azure-functions/security-concepts#restrict-cors-access',
    category: 'security',
    resourceTypes: webApp,
    ok: (r) =>
      namedHttpsOrigins(prop(r, 'siteConfig.cors.allowedOrigins')) &&
      prop(r, 'siteConfig.cors.supportCredentials') !== true,
    message:
      'list the dashboard origins (https) in siteConfig.cors.allowedOrigins, without "*", and set supportCredentials false',
  }),
  requirement({
    name: 'function-app-managed-identity',
    description: 'The function app has a managed identity (CKV_AZURE_71).',
    source: 'https://learn.microsoft.com/azure/app-service/overview-managed-identity',
    category: 'security',
    resourceTypes: webApp,
    ok: (r) => String(prop(r, 'identity.type') ?? '').includes('Assigned'),
    message: 'give the app a managed identity',
  }),
  requirement({
    name: 'function-app-no-basic-auth-publishing',
    description: 'FTP and SCM basic-auth publishing are off; deployments use Entra ID.',
    source: 'https://learn.microsoft.com/azure/app-service/configure-basic-auth-disable',
    category: 'security',
    resourceTypes: ['azure-native:web:WebAppFtpAllowed', 'azure-native:web:WebAppScmAllowed'],
    ok: (r) => r.props.allow === false,
    message: 'set allow: false',
  }),
  {
    name: 'function-app-secrets-in-key-vault',
    description: 'No app setting holds a plaintext secret: secrets are Key Vault references.',
    source: 'https://learn.microsoft.com/azure/app-service/app-service-key-vault-references',
    category: 'security',
    resourceTypes: webApp,
    check: (r) => {
      const settings = prop(r, 'siteConfig.appSettings');
      if (!Array.isArray(settings)) return [];
      return settings
        .filter((s: { name?: unknown; value?: unknown }) => {
          const value = String(s.value ?? '');
          return looksSecret.test(value) && !value.startsWith('@Microsoft.KeyVault(');
        })
        .map(
          (s: { name?: unknown }) =>
            `app setting ${String(s.name)} holds a secret: store it in Key Vault and refer to it`,
        );
    },
  },
  requirement({
    name: 'key-vault-recoverable',
    description: 'Key Vault keeps deleted secrets recoverable (soft delete, CKV_AZURE_42).',
    source: 'https://learn.microsoft.com/azure/key-vault/general/soft-delete-overview',
    category: 'security',
    resourceTypes: ['azure-native:keyvault:Vault'],
    ok: (r) => prop(r, 'properties.enableSoftDelete') === true,
    message: 'set properties.enableSoftDelete: true',
  }),
  requirement({
    name: 'key-vault-rbac',
    description: 'Key Vault authorizes with Azure RBAC, not access policies.',
    source: 'https://learn.microsoft.com/azure/key-vault/general/rbac-guide',
    category: 'security',
    resourceTypes: ['azure-native:keyvault:Vault'],
    ok: (r) => prop(r, 'properties.enableRbacAuthorization') === true,
    message: 'set properties.enableRbacAuthorization: true',
  }),
  requirement({
    name: 'cosmos-tls-1-2',
    description: 'Cosmos DB requires TLS 1.2.',
    source: 'https://learn.microsoft.com/azure/cosmos-db/self-serve-minimum-tls-enforcement',
    category: 'security',
    resourceTypes: ['azure-native:cosmosdb:DatabaseAccount'],
    ok: (r) => r.props.minimalTlsVersion === 'Tls12',
    message: 'set minimalTlsVersion: Tls12',
  }),
  {
    name: 'iot-hub-least-privilege',
    description:
      'IoT Hub requires TLS 1.2, turns module SAS off, and has no policy with every right (no iothubowner).',
    source: 'https://learn.microsoft.com/azure/iot-hub/authenticate-authorize-sas',
    category: 'security',
    resourceTypes: ['azure-native:iothub:IotHubResource'],
    check: (r) => {
      const problems: string[] = [];
      if (prop(r, 'properties.minTlsVersion') !== '1.2')
        problems.push('set properties.minTlsVersion: 1.2');
      if (prop(r, 'properties.disableModuleSAS') !== true)
        problems.push('set properties.disableModuleSAS: true');
      const policies = prop(r, 'properties.authorizationPolicies');
      for (const policy of Array.isArray(policies) ? policies : []) {
        const { keyName, rights } = policy as { keyName: string; rights: string };
        if (
          keyName === 'iothubowner' ||
          rights.split(',').length > 2 ||
          rights.includes('DeviceConnect')
        )
          problems.push(`shared access policy ${keyName} has too many rights (${rights})`);
      }
      return problems;
    },
  },
  {
    name: 'dps-linked-hub-least-privilege',
    description:
      "The Device Provisioning Service links a hub with a policy of the hub's own made for it (RegistryWrite and ServiceConnect), never iothubowner.",
    source: 'https://learn.microsoft.com/azure/iot-dps/how-to-manage-linked-iot-hubs',
    category: 'security',
    resourceTypes: ['azure-native:deviceprovisioningservices:IotDpsResource'],
    check: (r) => {
      const hubs = prop(r, 'properties.iotHubs');
      return (Array.isArray(hubs) ? hubs : []).flatMap((hub: { connectionString?: unknown }) => {
        // Unknown until the hub's keys are read (a preview); checked when the value is there.
        if (typeof hub.connectionString !== 'string') return [];
        const policy = /SharedAccessKeyName=([^;]+)/i.exec(hub.connectionString)?.[1];
        return policy === undefined || policy.toLowerCase() === 'iothubowner'
          ? [
              `link the hub with a RegistryWrite, ServiceConnect policy, not ${policy ?? 'no policy'}`,
            ]
          : [];
      });
    },
  },
  {
    name: 'signalr-serverless-identity-only',
    description:
      'SignalR runs in Serverless mode with local (key) auth off and CORS limited to named HTTPS origins.',
    source: 'https://learn.microsoft.com/azure/azure-signalr/howto-disable-local-auth',
    category: 'security',
    resourceTypes: ['azure-native:signalrservice:SignalR'],
    check: (r) => {
      const problems: string[] = [];
      const features = (r.props.features as { flag: string; value: string }[] | undefined) ?? [];
      if (!features.some((f) => f.flag === 'ServiceMode' && f.value === 'Serverless'))
        problems.push('set the ServiceMode feature to Serverless');
      if (r.props.disableLocalAuth !== true) problems.push('set disableLocalAuth: true');
      if (!namedHttpsOrigins(prop(r, 'cors.allowedOrigins')))
        problems.push('list named https origins in cors.allowedOrigins, without "*"');
      return problems;
    },
  },
  {
    name: 'signalr-upstream-to-app-webhook',
    description:
      "SignalR's upstream goes over HTTPS to a function app's SignalR webhook only, for named hubs, with the webhook key as a Key Vault reference (the URL is stored unencrypted).",
    source: 'https://learn.microsoft.com/azure/azure-signalr/concept-upstream',
    category: 'security',
    resourceTypes: ['azure-native:signalrservice:SignalR'],
    check: (r) => {
      const templates =
        (prop(r, 'upstream.templates') as Record<string, unknown>[] | undefined) ?? [];
      const problems: string[] = [];
      templates.forEach((template, index) => {
        const url = String(template.urlTemplate ?? '');
        const at = `upstream.templates[${index}]`;
        const match =
          /^https:\/\/([a-z0-9-]+)\.azurewebsites\.net\/runtime\/webhooks\/signalr\?code=(.*)$/.exec(
            url,
          );
        if (!match)
          problems.push(
            `${at}.urlTemplate must be https://<function app>.azurewebsites.net/runtime/webhooks/signalr?code=...`,
          );
        else if (!/^\{@Microsoft\.KeyVault\(SecretUri=https:\/\/[^)]+\)\}$/.test(match[2] ?? ''))
          problems.push(
            `${at}: the code must be a {@Microsoft.KeyVault(SecretUri=...)} reference, not a key`,
          );
        const hubs = String(template.hubPattern ?? '');
        if (hubs === '' || hubs.includes('*'))
          problems.push(
            `${at}.hubPattern must name the hubs that send upstream (not "*" or empty)`,
          );
      });
      if (templates.length > 0 && !prop(r, 'identity.type'))
        problems.push(
          'give SignalR an identity to read the Key Vault reference in its upstream URL',
        );
      return problems;
    },
  },
  requirement({
    name: 'search-no-local-auth',
    description:
      'Azure AI Search refuses API keys: callers use Entra ID and roles (and authOptions, which keys need, is absent).',
    source: 'https://learn.microsoft.com/azure/search/search-security-enable-roles',
    category: 'security',
    resourceTypes: ['azure-native:search:Service'],
    ok: (r) => r.props.disableLocalAuth === true && r.props.authOptions === undefined,
    message: 'set disableLocalAuth: true and leave authOptions out',
  }),
  requirement({
    name: 'search-over-tls',
    description:
      'The app reaches Azure AI Search over HTTPS only: SEARCH_ENDPOINT is an https:// URL (the service itself accepts nothing else).',
    source: 'https://learn.microsoft.com/azure/search/search-security-overview#data-in-transit',
    category: 'security',
    resourceTypes: webApp,
    ok: (r) => {
      const settings =
        (prop(r, 'siteConfig.appSettings') as { name: string; value: unknown }[] | undefined) ?? [];
      const endpoint = settings.find((s) => s.name === 'SEARCH_ENDPOINT')?.value;
      return (
        endpoint === undefined || (typeof endpoint === 'string' && endpoint.startsWith('https://'))
      );
    },
    message: 'set SEARCH_ENDPOINT to the service https:// URL',
  }),
  {
    name: 'role-assignments-least-privilege',
    description:
      'No identity gets Owner, Contributor or User Access Administrator, and Storage Blob Data Owner is scoped to a container, never to a whole account (which also serves the dashboard from $web).',
    source: 'https://learn.microsoft.com/azure/role-based-access-control/best-practices',
    category: 'security',
    resourceTypes: ['azure-native:authorization:RoleAssignment'],
    check: (r) => {
      const roleId =
        String(r.props.roleDefinitionId ?? '')
          .split('/')
          .pop() ?? '';
      const scope = r.props.scope;
      const problems: string[] = [];
      if (broadRoles[roleId])
        problems.push(`grants ${broadRoles[roleId]}: grant a data-plane role instead`);
      if (
        roleId === blobDataOwner &&
        typeof scope === 'string' &&
        !/\/containers\/[^/]+$/.test(scope)
      )
        problems.push(
          'grants Storage Blob Data Owner beyond one container: scope it to the container',
        );
      return problems;
    },
  },
  {
    name: 'http-functions-declared-access',
    description:
      'Every HTTP function of the deployed package declares who may call it, and the anonymous ones are exactly the documented public list.',
    source:
      'https://learn.microsoft.com/azure/azure-functions/security-concepts#function-access-keys',
    category: 'security',
    resourceTypes: ['pulumi-nodejs:dynamic/fieldline-onedeploy:Resource'],
    check: (r) => {
      const manifest = r.props.httpAccess;
      if (!Array.isArray(manifest))
        return ['deploy the package with its httpAccess manifest (httpAccessManifest())'];
      return (manifest as { name?: unknown; access?: unknown }[]).flatMap(({ name, access }) => {
        if (!accessKinds.includes(String(access)))
          return [`${String(name)} declares no known access; give its definition an access rule`];
        if (access === 'public' && !documentedPublicFunctions.includes(String(name)))
          return [
            `${String(name)} is anonymous but not on the documented public list: protect it, or document it in the README and documentedPublicFunctions`,
          ];
        return [];
      });
    },
  },
];
