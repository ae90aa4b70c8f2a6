export interface ExpiringCacheOptions {
  /** How long an entry stays fresh; 0 disables caching. */
  readonly ttlMs: number;
  /** Oldest entries are evicted beyond this many. */
  readonly maxEntries: number;
  readonly now?: () => number;
}

/**
 * A bounded map whose entries expire. A cached `undefined` is a remembered miss, which is why
 * {@link ExpiringCache.lookup} reports presence separately from the value.
 */
export class ExpiringCache<K, V> {
  private readonly entries = new Map<K, { value: V; expiresAt: number }>();
  private readonly now: () => number;

  constructor(private readonly options: ExpiringCacheOptions) {
    this.now = options.now ?? Date.now;
  }

  lookup(key: K): { hit: true; value: V } | { hit: false } {
    const entry = this.entries.get(key);
    if (!entry) return { hit: false };
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return { hit: false };
    }
    return { hit: true, value: entry.value };
  }

  set(key: K, value: V): void {
    if (this.options.ttlMs <= 0) return;
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: this.now() + this.options.ttlMs });
    if (this.entries.size > this.options.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  /** The keys held, expired or not. */
  keys(): IterableIterator<K> {
    return this.entries.keys();
  }
}
