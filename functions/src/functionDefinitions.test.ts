import { HttpRequest, InvocationContext } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { createFunctionDefinitions } from './functionDefinitions';
import type { HttpFunctionDefinition } from './host/functionDefinition';
import { guardHttp } from './host/httpGuard';
import { appRoleNames } from './identity/appRoles';
import { createServices } from './services';
import { loadConfig } from './settings/config';

const storage =
  'DefaultEndpointsProtocol=http;AccountName=dev;AccountKey=a2V5;TableEndpoint=http://127.0.0.1:1/dev';

describe('the app with one feature misconfigured', () => {
  // Regression: an unresolved Key Vault reference in MONGODB_URI stopped every function registering.
  const config = loadConfig({
    DataStorage: storage,
    MONGODB_URI: '@Microsoft.KeyVault(SecretUri=https://v.vault.azure.net/secrets/mongodb-uri)',
    SMS_MODE: 'outbox',
  });
  const definitions = createFunctionDefinitions(createServices(config));
  // Token validation is tested through the hosts; here every call is an operator with every role.
  const operator = async () => ({
    issuer: 'https://t',
    subject: 'op',
    roles: new Set(appRoleNames),
  });
  const http = (name: string) => {
    const definition = definitions.find(
      (d): d is HttpFunctionDefinition => d.kind === 'http' && d.name === name,
    );
    return definition && { handler: guardHttp(definition, operator) };
  };

  it('still registers every function, telemetry first of all', () => {
    const names = definitions.map((d) => d.name);
    expect(names).toEqual(
      expect.arrayContaining(['ingestTelemetry', 'encounterMatcher', 'putUser']),
    );
  });

  it('answers the feature with 503 naming the setting, and reports it in /api/health', async () => {
    const context = new InvocationContext({ functionName: 'putUser', invocationId: 'i-1' });
    const put = await http('putUser')?.handler(
      new HttpRequest({
        url: 'http://localhost/api/users/alice',
        method: 'PUT',
        body: { string: '{}' },
        headers: { authorization: 'Bearer t' },
        params: { username: 'alice' },
      }),
      context,
    );
    expect(put?.status).toBe(503);
    expect(JSON.stringify(put?.jsonBody)).toMatch(
      /encounters feature is misconfigured: MONGODB_URI must be/,
    );
    const health = await http('healthDetails')?.handler(
      new HttpRequest({
        url: 'http://localhost/api/health/details',
        method: 'GET',
        headers: { authorization: 'Bearer t' },
      }),
      context,
    );
    expect(health?.jsonBody).toMatchObject({
      status: 'degraded',
      checks: {
        encountersSettings: {
          status: 'misconfigured',
          detail: expect.stringMatching(/MONGODB_URI/),
        },
      },
    });
  });
});
