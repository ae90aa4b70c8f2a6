import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ContainerClient } from '@azure/storage-blob';
import type * as pulumi from '@pulumi/pulumi';
import { assetHeaders, withContentSecurityPolicy } from '../../dashboard/staticAssets';
import { createArmCredential } from './armCredential';
import { retryWhile, statusOf } from './retryWhile';

export interface StaticSiteInputs {
  /** `https://<account>.blob.core.windows.net/` */
  readonly blobEndpoint: string;
  readonly sourceDir: string;
  readonly contentHash: string;
  /** Written as `config.json` beside `index.html`. */
  readonly config: Record<string, unknown>;
  /** Put into every page as a meta tag (the static website sets no headers). */
  readonly contentSecurityPolicy: string;
}

export interface StaticSiteDeps {
  /** The `$web` container; by default through Entra ID, signed in as azure-native is (the account has no shared keys). */
  readonly container?: (blobEndpoint: string) => Promise<ContainerClient>;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly maxAttempts?: number;
}

/**
 * Uploads the built dashboard to the static website's `$web` container with content types and
 * cache headers (hashed assets immutable, the page and its config never cached), removes files a
 * previous build left, and writes `config.json`. Retries 403 while a new role assignment applies.
 */
export function createStaticSiteProvider(
  deps: StaticSiteDeps = {},
): pulumi.dynamic.ResourceProvider {
  async function publish(inputs: StaticSiteInputs): Promise<void> {
    const container =
      (await deps.container?.(inputs.blobEndpoint)) ??
      (await (async () => {
        const { BlobServiceClient } = await import('@azure/storage-blob');
        return new BlobServiceClient(
          inputs.blobEndpoint,
          await createArmCredential(),
        ).getContainerClient('$web');
      })());
    const files = await listFiles(inputs.sourceDir);
    // 403 while the deployer's new role on `$web` applies.
    await retryWhile(
      async () => {
        for (const file of files) {
          const read = await readFile(path.join(inputs.sourceDir, file));
          const body = file.endsWith('.html')
            ? Buffer.from(
                withContentSecurityPolicy(read.toString('utf8'), inputs.contentSecurityPolicy),
              )
            : read;
          await container
            .getBlockBlobClient(file)
            .uploadData(body, { blobHTTPHeaders: headersFor(file) });
        }
        await container
          .getBlockBlobClient('config.json')
          .uploadData(Buffer.from(JSON.stringify(inputs.config, null, 2)), {
            blobHTTPHeaders: headersFor('config.json'),
          });
        const keep = new Set([...files, 'config.json']);
        for await (const blob of container.listBlobsFlat()) {
          if (!keep.has(blob.name)) await container.deleteBlob(blob.name);
        }
      },
      {
        retriable: (error) => statusOf(error) === 403,
        attempts: deps.maxAttempts ?? 12,
        capMs: 60_000,
        ...(deps.sleep ? { sleep: deps.sleep } : {}),
      },
    );
  }

  return {
    async diff(_id: string, olds: StaticSiteInputs, news: StaticSiteInputs) {
      const changes =
        olds.contentHash !== news.contentHash ||
        olds.blobEndpoint !== news.blobEndpoint ||
        JSON.stringify(olds.config) !== JSON.stringify(news.config) ||
        olds.contentSecurityPolicy !== news.contentSecurityPolicy;
      return { changes, replaces: [], deleteBeforeReplace: false };
    },
    async create(inputs: StaticSiteInputs) {
      await publish(inputs);
      return { id: `${inputs.blobEndpoint}$web`, outs: { ...inputs } };
    },
    async update(_id: string, _olds: StaticSiteInputs, news: StaticSiteInputs) {
      await publish(news);
      return { outs: { ...news } };
    },
    async delete() {},
  };
}

export function headersFor(file: string): { blobContentType: string; blobCacheControl: string } {
  const { contentType, cacheControl } = assetHeaders(file);
  return { blobContentType: contentType, blobCacheControl: cacheControl };
}

async function listFiles(root: string, prefix = ''): Promise<string[]> {
  const entries = await readdir(path.join(root, prefix), { withFileTypes: true });
  const files = await Promise.all(
    entries.map((entry) => {
      const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
      return entry.isDirectory() ? listFiles(root, relative) : Promise.resolve([relative]);
    }),
  );
  return files.flat().sort();
}
