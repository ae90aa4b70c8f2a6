export interface BackoffOptions {
  readonly baseMs: number;
  readonly capMs: number;
  readonly random?: () => number;
}

/**
 * Capped exponential backoff with full jitter: a uniform delay in [base, min(cap, base * 2^attempt)].
 * The seed used the same envelope; jitter keeps competing writers from retrying in lockstep.
 */
export function backoffDelay(
  attempt: number,
  { baseMs, capMs, random = Math.random }: BackoffOptions,
): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt));
  return baseMs + random() * Math.max(0, ceiling - baseMs);
}

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));
