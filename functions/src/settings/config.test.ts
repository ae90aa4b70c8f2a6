import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config';

const storage =
  'DefaultEndpointsProtocol=http;AccountName=dev;AccountKey=a2V5;TableEndpoint=http://127.0.0.1:1/dev';

describe('loadConfig', () => {
  it('applies defaults', () => {
    expect(loadConfig({ DataStorage: storage })).toEqual({
      storage: { kind: 'connectionString', connectionString: storage },
      telemetry: { calibrationCacheMs: 300_000, historyLength: 100, maxMessageBytes: 65_536 },
      analytics: { referenceRefreshMs: 30_000 },
      retentionDays: 7,
      fleet: { historyRetentionDays: 30, cacheMs: 30_000 },
      // Without an issuer nobody can use the API: not a crash, but health reports it.
      misconfigured: {
        identity: [
          'AUTH_ISSUER is not set: every token-protected endpoint answers 503 until it is',
        ],
      },
    });
  });

  it('reads sign-in: operators’ issuer and audiences, app users’ own when given, roles only from operators', () => {
    const config = loadConfig({
      DataStorage: storage,
      AUTH_ISSUER: 'https://login.microsoftonline.com/t/v2.0',
      AUTH_AUDIENCE: 'client-id, api://client-id',
      USER_AUTH_ISSUER: 'https://fieldline.ciamlogin.com/t/v2.0',
      USER_AUTH_AUDIENCE: 'app-id',
    });
    expect(config.identity).toEqual({
      operators: {
        issuer: 'https://login.microsoftonline.com/t/v2.0',
        audiences: ['client-id', 'api://client-id'],
        grantsRoles: true,
      },
      users: {
        issuer: 'https://fieldline.ciamlogin.com/t/v2.0',
        audiences: ['app-id'],
        grantsRoles: false,
      },
    });
    const bad = loadConfig({ DataStorage: storage, AUTH_ISSUER: 'http://issuer.example' });
    expect(bad.identity).toBeUndefined();
    expect(bad.misconfigured.identity?.join('\n')).toMatch(
      /AUTH_ISSUER must be an https URL[\s\S]*AUTH_AUDIENCE is missing/,
    );
    // http is for the local issuer only.
    expect(
      loadConfig({ DataStorage: storage, AUTH_ISSUER: 'http://127.0.0.1:7084', AUTH_AUDIENCE: 'a' })
        .identity?.operators.issuer,
    ).toBe('http://127.0.0.1:7084');
  });

  // Regression: an unresolved Key Vault reference (the literal "@Microsoft.KeyVault(...)") in
  // MONGODB_URI made loadConfig throw as index.ts loaded, so no function registered at all.
  it('switches off only the feature whose settings are wrong, naming each setting', () => {
    const config = loadConfig({
      DataStorage: storage,
      MONGODB_URI: '@Microsoft.KeyVault(SecretUri=https://v.vault.azure.net/secrets/mongodb-uri)',
      SMS_MODE: 'twilio',
      IOTHUB_HOSTNAME: 'not a host',
    });
    expect(config.encounters).toBeUndefined();
    expect(config.gateway).toBeUndefined();
    expect(config.telemetry.historyLength).toBe(100);
    expect(config.misconfigured.encounters?.join('\n')).toMatch(
      /MONGODB_URI must be a mongodb:\/\/[\s\S]*TWILIO_ACCOUNT_SID[\s\S]*TWILIO_AUTH_TOKEN is missing/,
    );
    expect(config.misconfigured.gateway?.join('\n')).toMatch(/IOTHUB_HOSTNAME must be a host name/);
  });

  it('validates ANALYTICS_REFERENCE_REFRESH_SECONDS with the rest, instead of falling back to 30', () => {
    expect(() =>
      loadConfig({ DataStorage: storage, ANALYTICS_REFERENCE_REFRESH_SECONDS: 'often' }),
    ).toThrow(/ANALYTICS_REFERENCE_REFRESH_SECONDS must be a whole number/);
  });

  it('reads the identity-based form the Functions host uses', () => {
    expect(
      loadConfig({ DataStorage__accountName: 'acct', DataStorage__clientId: 'id-1' }).storage,
    ).toEqual({
      kind: 'identity',
      tableServiceUri: 'https://acct.table.core.windows.net',
      queueServiceUri: 'https://acct.queue.core.windows.net',
      blobServiceUri: 'https://acct.blob.core.windows.net',
      clientId: 'id-1',
    });
  });

  it('names every missing or bad setting at once', () => {
    let error: unknown;
    try {
      loadConfig({ DEVICE_HISTORY_LENGTH: '0', CALIBRATION_CACHE_SECONDS: 'soon' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { problems } = error as ConfigError;
    expect(problems).toHaveLength(3);
    expect(problems.join('\n')).toMatch(/DataStorage is missing.*DataStorage__accountName/);
    expect(problems.join('\n')).toMatch(
      /DEVICE_HISTORY_LENGTH must be a whole number from 1 to 120; got "0"/,
    );
    expect(problems.join('\n')).toMatch(/CALIBRATION_CACHE_SECONDS .* got "soon"/);
  });

  it('refuses a value that is not a storage connection string', () => {
    expect(() => loadConfig({ DataStorage: 'https://example' })).toThrowError(
      /DataStorage is not a storage connection string/,
    );
  });
});
