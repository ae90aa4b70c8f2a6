import { readFile } from 'node:fs/promises';
import type * as pulumi from '@pulumi/pulumi';

export interface OneDeployInputs {
  /** `https://<app>.scm.azurewebsites.net/api/publish`: Kudu's One Deploy endpoint. */
  readonly publishUrl: string;
  readonly zipPath: string;
  /** SHA-256 of the package's content; a new hash is what triggers a deployment. */
  readonly contentHash: string;
  /** The function app's resource id: a recreated app gets the package again. */
  readonly appId: string;
}

export interface OneDeployDeps {
  readonly fetch?: typeof fetch;
  /** An Entra ID token for Azure Resource Manager, which Kudu accepts. */
  readonly getToken?: () => Promise<string>;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly maxAttempts?: number;
  readonly pollIntervalMs?: number;
}

/**
 * Deploys a zip to a Flex Consumption app through One Deploy, when (and only when) its content
 * hash or the app changes. A role assignment made in the same `pulumi up` can take minutes to
 * apply, so 401/403/404 are retried with a bound before failing.
 */
export function createOneDeployProvider(deps: OneDeployDeps = {}): pulumi.dynamic.ResourceProvider {
  async function deploy(inputs: OneDeployInputs): Promise<void> {
    const request =
      deps.fetch ?? ((url: string | URL | Request, init?: RequestInit) => fetch(url, init));
    const sleep =
      deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    const getToken =
      deps.getToken ??
      (async () => {
        const { DefaultAzureCredential } = await import('@azure/identity');
        const token = await new DefaultAzureCredential().getToken(
          'https://management.azure.com/.default',
        );
        return token.token;
      });
    const body = await readFile(inputs.zipPath);
    const attempts = deps.maxAttempts ?? 12;
    for (let attempt = 1; ; attempt++) {
      const token = await getToken();
      const response = await request(`${inputs.publishUrl}?RemoteBuild=false`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/zip' },
        body,
      });
      if ([401, 403, 404].includes(response.status) && attempt < attempts) {
        await sleep(Math.min(60_000, 2_000 * 2 ** (attempt - 1)));
        continue;
      }
      if (!response.ok)
        throw new Error(
          `One Deploy to ${inputs.publishUrl} answered ${response.status}: ${(await response.text()).slice(0, 300)}`,
        );
      const status = response.headers.get('location');
      if (response.status === 202 && status) await waitForDeployment(status, token);
      return;
    }

    async function waitForDeployment(statusUrl: string, token: string): Promise<void> {
      for (let poll = 0; poll < 120; poll++) {
        const response = await request(statusUrl, {
          headers: { authorization: `Bearer ${token}` },
        });
        const state = (await response.json().catch(() => ({}))) as {
          status?: number;
          complete?: boolean;
          status_text?: string;
        };
        // Kudu's deployment states: 3 is failed, 4 is success.
        if (state.status === 4) return;
        if (state.status === 3)
          throw new Error(
            `the deployment failed: ${state.status_text ?? 'see the deployment log in the app'}`,
          );
        await sleep(deps.pollIntervalMs ?? 5_000);
      }
      throw new Error(`the deployment did not finish; check ${statusUrl}`);
    }
  }

  return {
    async diff(_id: string, olds: OneDeployInputs, news: OneDeployInputs) {
      const changed = (['contentHash', 'publishUrl', 'appId'] as const).filter(
        (key) => olds[key] !== news[key],
      );
      return { changes: changed.length > 0, replaces: [], deleteBeforeReplace: false };
    },
    async create(inputs: OneDeployInputs) {
      await deploy(inputs);
      return { id: `${inputs.appId}/onedeploy`, outs: { ...inputs } };
    },
    async update(_id: string, _olds: OneDeployInputs, news: OneDeployInputs) {
      await deploy(news);
      return { outs: { ...news } };
    },
    // The code goes with the app; there is nothing to undeploy.
    async delete() {},
  };
}
