import type { BlobClient } from '../storage/blobClientFactory';

/** A product as `reference/products.json` lists it. */
export interface Product {
  readonly product_id: string;
  readonly sku_id?: string;
  readonly name?: string;
  readonly price?: number;
  readonly product_state?: string;
  readonly product_code?: string;
  readonly can_purchase?: boolean;
}

/**
 * Product reference data from a blob, cached and revalidated by ETag: a conditional GET every
 * `refreshMs` costs a 304 when nothing changed, and a new upload takes effect without a restart.
 * A missing blob is an empty catalog (every product is then "unknown"), not an error.
 */
export class ProductCatalog {
  private products = new Map<string, Product>();
  private etag: string | undefined;
  private checkedAt = Number.NEGATIVE_INFINITY;
  private refreshing: Promise<void> | undefined;

  constructor(
    private readonly blob: () => Promise<BlobClient>,
    private readonly options: { refreshMs: number; now?: () => number },
  ) {}

  async lookup(): Promise<ReadonlyMap<string, Product>> {
    const now = (this.options.now ?? Date.now)();
    if (now - this.checkedAt >= this.options.refreshMs) {
      this.refreshing ??= this.refresh(now).finally(() => {
        this.refreshing = undefined;
      });
      await this.refreshing;
    }
    return this.products;
  }

  private async refresh(now: number): Promise<void> {
    const blob = await this.blob();
    try {
      const response = await blob.download(
        0,
        undefined,
        this.etag ? { conditions: { ifNoneMatch: this.etag } } : {},
      );
      const text = (await streamToBuffer(response.readableStreamBody)).toString('utf8');
      const list = JSON.parse(text) as unknown;
      if (!Array.isArray(list))
        throw new Error('reference/products.json must be a JSON array of products');
      this.products = new Map(
        list
          .filter((p): p is Product => typeof p === 'object' && p !== null && 'product_id' in p)
          .map((p) => [String(p.product_id), { ...p, product_id: String(p.product_id) }]),
      );
      this.etag = response.etag;
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode;
      if (status === 304) {
        // Unchanged: keep what we have.
      } else if (status === 404) {
        this.products = new Map();
        this.etag = undefined;
      } else throw error;
    }
    this.checkedAt = now;
  }
}

async function streamToBuffer(stream: NodeJS.ReadableStream | undefined): Promise<Buffer> {
  if (!stream) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  for await (const chunk of stream)
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks);
}
