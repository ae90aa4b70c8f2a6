import type { Duration, RetryOptions } from '@azure/functions';

function toMs(value: Duration | number): number {
  if (typeof value === 'number') return value;
  return (
    (value.hours ?? 0) * 3_600_000 +
    (value.minutes ?? 0) * 60_000 +
    (value.seconds ?? 0) * 1000 +
    (value.milliseconds ?? 0)
  );
}

/**
 * The delay before retry number `retry` (1-based) under a function's retry policy, or undefined
 * once the policy is exhausted (`maxRetryCount: -1` never is).
 */
export function retryDelay(policy: RetryOptions, retry: number): number | undefined {
  if (policy.maxRetryCount !== -1 && retry > policy.maxRetryCount) return undefined;
  if (policy.strategy === 'fixedDelay') return toMs(policy.delayInterval);
  const minimum = toMs(policy.minimumInterval);
  return Math.min(toMs(policy.maximumInterval), minimum * 2 ** (retry - 1));
}
