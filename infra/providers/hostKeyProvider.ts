import { randomBytes } from 'node:crypto';
import type * as pulumi from '@pulumi/pulumi';
import { type ArmCallDeps, armCall } from './armCredential';

/**
 * A random value made once and kept in the stack's state (as a secret), for a key the deployment
 * sets in two places: the Functions host and Key Vault. No API is called.
 */
export function createGeneratedKeyProvider(): pulumi.dynamic.ResourceProvider {
  return {
    async create(inputs: { name: string }) {
      return {
        id: inputs.name,
        outs: { ...inputs, value: randomBytes(32).toString('base64url') },
      };
    },
    async diff(_id: string, olds: { name: string }, news: { name: string }) {
      return { changes: olds.name !== news.name, replaces: ['name'], deleteBeforeReplace: false };
    },
  };
}

export interface FunctionHostKeyInputs {
  /** The function app's resource id. */
  readonly appId: string;
  /** `systemKeys` for an extension's webhook key. */
  readonly keyType: 'systemKeys' | 'functionKeys';
  readonly keyName: string;
  readonly value: string;
}

export interface FunctionHostKeyDeps extends ArmCallDeps {
  /** Attempts while the host is still starting after its deployment; default 20 (about 5 minutes). */
  readonly maxAttempts?: number;
}

// https://learn.microsoft.com/rest/api/appservice/web-apps/create-or-update-host-secret
const apiVersion = '2024-04-01';

/**
 * Whether the host may answer later: 404, 409, 429 and 5xx, and the 400 ARM relays when the
 * Functions host itself failed or is not up yet ("Encountered an error (ServiceUnavailable) from
 * host runtime.", azure-cli#20892), which on a first `up` it often is. Other 400s are final.
 */
export function retriable(status: number, body: string): boolean {
  if ([404, 409, 429].includes(status) || status >= 500) return true;
  return status === 400 && /from host runtime/i.test(body);
}

/**
 * Sets one of the Functions host's keys to a given value through ARM (WebApps_CreateOrUpdateHostSecret),
 * so that a key the host would otherwise make up can be known to whoever must present it (SignalR's
 * upstream, through Key Vault). The host answers only once it runs the deployed code, so what
 * {@link retriable} names is retried, bounded.
 */
export function createFunctionHostKeyProvider(
  deps: FunctionHostKeyDeps = {},
): pulumi.dynamic.ResourceProvider {
  const { fetch: request, sleep, getToken } = armCall(deps);
  const url = (inputs: FunctionHostKeyInputs) =>
    `https://management.azure.com${inputs.appId}/host/default/${inputs.keyType}/${encodeURIComponent(inputs.keyName)}?api-version=${apiVersion}`;

  async function call(inputs: FunctionHostKeyInputs, method: 'PUT' | 'DELETE'): Promise<void> {
    const attempts = deps.maxAttempts ?? 20;
    for (let attempt = 1; ; attempt++) {
      const response = await request(url(inputs), {
        method,
        headers: {
          authorization: `Bearer ${await getToken()}`,
          'content-type': 'application/json',
        },
        ...(method === 'PUT'
          ? { body: JSON.stringify({ properties: { name: inputs.keyName, value: inputs.value } }) }
          : {}),
      });
      if (response.ok || (method === 'DELETE' && response.status === 404)) return;
      const text = await response.text();
      if (!retriable(response.status, text) || attempt >= attempts)
        throw new Error(
          `setting the host key ${inputs.keyType}/${inputs.keyName} answered ${response.status}: ${text.slice(0, 500)}`,
        );
      await sleep(Math.min(30_000, 2_000 * 2 ** (attempt - 1)));
    }
  }

  return {
    async create(inputs: FunctionHostKeyInputs) {
      await call(inputs, 'PUT');
      return {
        id: `${inputs.appId}/host/default/${inputs.keyType}/${inputs.keyName}`,
        outs: { ...inputs },
      };
    },
    async diff(_id: string, olds: FunctionHostKeyInputs, news: FunctionHostKeyInputs) {
      const replaces = (['appId', 'keyType', 'keyName'] as const).filter(
        (k) => olds[k] !== news[k],
      );
      return {
        changes: replaces.length > 0 || olds.value !== news.value,
        replaces,
        deleteBeforeReplace: false,
      };
    },
    async update(_id: string, _olds: FunctionHostKeyInputs, news: FunctionHostKeyInputs) {
      await call(news, 'PUT');
      return { outs: { ...news } };
    },
    async delete(_id: string, props: FunctionHostKeyInputs) {
      await call(props, 'DELETE');
    },
  };
}
