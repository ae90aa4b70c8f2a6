import { readFile } from 'node:fs/promises';
import type * as pulumi from '@pulumi/pulumi';
import { type ArmCallDeps, armCall } from './armCredential';

export interface OneDeployInputs {
  /** `https://<app>.scm.azurewebsites.net/api/publish`: Kudu's One Deploy endpoint. */
  readonly publishUrl: string;
  readonly zipPath: string;
  /** SHA-256 of the package's content; a new hash is what triggers a deployment. */
  readonly contentHash: string;
  /** The function app's resource id: a recreated app gets the package again. */
  readonly appId: string;
  /**
   * The package's HTTP functions and who may call each, for the policy pack to check (its
   * public ones must be the documented ones). Not sent anywhere; the content hash covers changes.
   */
  readonly httpAccess?: readonly {
    readonly name: string;
    readonly route: string;
    readonly access: string;
  }[];
}

export interface OneDeployDeps extends ArmCallDeps {
  /** Publish attempts while access is still propagating; default 12 (about 10 minutes). */
  readonly maxAttempts?: number;
  readonly pollIntervalMs?: number;
  /** Status polls before giving up; default 180 (15 minutes at 5 s). */
  readonly maxPolls?: number;
}

/**
 * Kudu's deployment states, as azd reads them after One Deploy on Flex Consumption: 4 is done;
 * -1 (cancelled), 3 (failed), 5 (conflict) and 6 (partial success) end it as a failure; the rest
 * are still running.
 */
const deploymentFailed = new Set([-1, 3, 5, 6]);
const deploymentSucceeded = 4;

/** Answers that mean "your new role assignment has not reached this service yet" (azd#4439). */
const accessNotYetApplied =
  /\b403\b|AuthorizationPermissionMismatch|AuthorizationFailure|Forbidden/i;

class DeploymentError extends Error {
  constructor(
    message: string,
    /** Worth another publish: storage refused the package while the app's blob role propagates. */
    readonly retriable: boolean,
  ) {
    super(message);
  }
}

/**
 * Deploys a zip to a Flex Consumption app through One Deploy, when (and only when) its content
 * hash or the app changes. Flex answers 202 with the deployment id in the body (and no `Location`
 * header), so the provider polls `/api/deployments/{id}` until the deployment ends, and fails with
 * the deployment log when it fails: Pulumi then keeps the previous hash, and the next `up` retries.
 * Access that is still propagating (401/403/404 from Kudu, 403 from storage) is retried, bounded.
 */
export function createOneDeployProvider(deps: OneDeployDeps = {}): pulumi.dynamic.ResourceProvider {
  async function deploy(inputs: OneDeployInputs): Promise<void> {
    const { fetch: request, sleep, getToken } = armCall(deps);
    const body = await readFile(inputs.zipPath);
    const attempts = deps.maxAttempts ?? 12;
    const scm = new URL(inputs.publishUrl).origin;
    for (let attempt = 1; ; attempt++) {
      const backoff = () => sleep(Math.min(60_000, 2_000 * 2 ** (attempt - 1)));
      const token = await getToken();
      const response = await request(`${inputs.publishUrl}?RemoteBuild=false`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/zip' },
        body,
      });
      const text = await response.text();
      const accessPending =
        [401, 403, 404].includes(response.status) ||
        (!response.ok && accessNotYetApplied.test(text));
      if (accessPending && attempt < attempts) {
        await backoff();
        continue;
      }
      if (!response.ok)
        throw new Error(
          `One Deploy to ${inputs.publishUrl} answered ${response.status}: ${text.slice(0, 300)}`,
        );
      if (response.status !== 202) return;
      const id = deploymentId(text, response.headers.get('location'));
      if (!id)
        throw new Error(
          `One Deploy to ${inputs.publishUrl} answered 202 without a deployment id; check the app's deployment center`,
        );
      try {
        await waitForDeployment(`${scm}/api/deployments/${encodeURIComponent(id)}`, token);
        return;
      } catch (error) {
        if (error instanceof DeploymentError && error.retriable && attempt < attempts) {
          await backoff();
          continue;
        }
        throw error;
      }
    }

    async function waitForDeployment(statusUrl: string, token: string): Promise<void> {
      const headers = { authorization: `Bearer ${token}` };
      for (let poll = 0; poll < (deps.maxPolls ?? 180); poll++) {
        const response = await request(statusUrl, { headers });
        const state = response.ok
          ? ((await response.json().catch(() => ({}))) as { status?: number; status_text?: string })
          : {};
        if (state.status === deploymentSucceeded) return;
        if (state.status !== undefined && deploymentFailed.has(state.status)) {
          const log = await deploymentLog(statusUrl, headers);
          const detail = [state.status_text, log].filter(Boolean).join('\n');
          throw new DeploymentError(
            `the deployment ${statusUrl} failed (status ${state.status}):\n${detail || 'no log'}`,
            accessNotYetApplied.test(detail),
          );
        }
        await sleep(deps.pollIntervalMs ?? 5_000);
      }
      throw new Error(`the deployment did not finish; check ${statusUrl}`);
    }

    async function deploymentLog(statusUrl: string, headers: Record<string, string>) {
      const response = await request(`${statusUrl}/log`, { headers }).catch(() => undefined);
      if (!response?.ok) return '';
      const entries = (await response.json().catch(() => [])) as { message?: string }[];
      return Array.isArray(entries)
        ? entries
            .map((entry) => entry.message ?? '')
            .filter(Boolean)
            .slice(-20)
            .join('\n')
        : '';
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

/** The id One Deploy answers with: the body (a bare or JSON-quoted id), else the `Location` path. */
function deploymentId(body: string, location: string | null): string | undefined {
  const text = body.trim().replace(/^"|"$/g, '');
  if (/^[A-Za-z0-9-]{8,}$/.test(text)) return text;
  const fromLocation = location ? new URL(location, 'https://scm').pathname.split('/').pop() : '';
  return fromLocation || undefined;
}
