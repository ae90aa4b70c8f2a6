/** A token bucket per key, held by this instance (each instance limits on its own). */
export interface RateLimiter {
  /** Takes one token for `key`; when there is none, how many seconds until there is. */
  take(
    key: string,
  ): { readonly ok: true } | { readonly ok: false; readonly retryAfterSeconds: number };
}

export function createRateLimiter(options: {
  /** Tokens added per second. */
  readonly perSecond: number;
  /** The most a key may hold, so a quiet caller may burst this many. */
  readonly burst: number;
  /** Keys remembered at most; the longest-unused go first, so the map stays bounded. */
  readonly maxKeys?: number;
  readonly now?: () => number;
}): RateLimiter {
  const now = options.now ?? Date.now;
  const maxKeys = options.maxKeys ?? 10_000;
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    take(key) {
      const at = now();
      const bucket = buckets.get(key) ?? { tokens: options.burst, at };
      buckets.delete(key);
      bucket.tokens = Math.min(
        options.burst,
        bucket.tokens + ((at - bucket.at) / 1000) * options.perSecond,
      );
      bucket.at = at;
      buckets.set(key, bucket);
      if (buckets.size > maxKeys) buckets.delete(buckets.keys().next().value as string);
      if (bucket.tokens < 1)
        return { ok: false, retryAfterSeconds: Math.ceil((1 - bucket.tokens) / options.perSecond) };
      bucket.tokens -= 1;
      return { ok: true };
    },
  };
}
