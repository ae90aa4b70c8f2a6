import type { HubError } from '../protocol/hubErrors';

// IoT Hub's operation throttles by tier, for one unit, from "IoT Hub quotas and throttling":
// https://learn.microsoft.com/azure/iot-hub/iot-hub-devguide-quotas-throttling
// Direct methods are metered in 4 KB steps; a job's device operations are paced by the hub's job
// engine at their rate rather than refused.

export type HubTier = 'S1' | 'S2' | 'S3';
export const hubTiers: readonly HubTier[] = ['S1', 'S2', 'S3'];

export type ThrottledOperation =
  | 'twinReads'
  | 'twinUpdates'
  | 'methodKilobytes'
  | 'queries'
  | 'jobOperations'
  | 'jobDeviceOperations';

/** Operations per second for one unit (direct methods: kilobytes per second). */
export const tierRates: Record<HubTier, Record<ThrottledOperation, number>> = {
  S1: {
    twinReads: 100,
    twinUpdates: 50,
    methodKilobytes: 160,
    queries: 20 / 60,
    jobOperations: 100 / 60,
    jobDeviceOperations: 10,
  },
  S2: {
    twinReads: 100,
    twinUpdates: 50,
    methodKilobytes: 480,
    queries: 20 / 60,
    jobOperations: 100 / 60,
    jobDeviceOperations: 10,
  },
  S3: {
    twinReads: 500,
    twinUpdates: 250,
    methodKilobytes: 24 * 1024,
    queries: 1000 / 60,
    jobOperations: 5000 / 60,
    jobDeviceOperations: 50,
  },
};

/** How many jobs may be active at once (queued, scheduled or running), by tier. */
export const maxActiveJobs: Record<HubTier, number> = { S1: 1, S2: 5, S3: 10 };

export interface Throttles {
  readonly tier: HubTier | undefined;
  /** Takes `cost` of the operation's budget, or answers the 429 the hub would. */
  take(operation: ThrottledOperation, cost?: number): HubError | undefined;
  /** Milliseconds until `cost` of the operation's budget is there (0 without a tier). */
  waitFor(operation: ThrottledOperation, cost?: number): number;
}

/**
 * Token buckets, one per operation, refilled at the tier's rate and holding a second of it (five
 * operations at least, for the limits the docs give per minute), which stands in for the hub's
 * traffic shaping: it takes short bursts over the rate, then refuses. Without a tier nothing is
 * throttled.
 */
export function createThrottles(
  tier: HubTier | undefined,
  now: () => number = Date.now,
): Throttles {
  const buckets = new Map<ThrottledOperation, { tokens: number; at: number }>();
  const refill = (operation: ThrottledOperation, rate: number) => {
    const capacity = Math.max(rate, 5);
    const bucket = buckets.get(operation) ?? { tokens: capacity, at: now() };
    const time = now();
    bucket.tokens = Math.min(capacity, bucket.tokens + ((time - bucket.at) / 1000) * rate);
    bucket.at = time;
    buckets.set(operation, bucket);
    return bucket;
  };
  return {
    tier,
    take(operation, cost = 1) {
      if (!tier) return undefined;
      const bucket = refill(operation, tierRates[tier][operation]);
      if (bucket.tokens >= cost) {
        bucket.tokens -= cost;
        return undefined;
      }
      return {
        status: 429,
        code: 'ThrottlingException',
        message: `the ${tier} tier's ${operation} throttle is exceeded; back off and retry (429001)`,
      };
    },
    waitFor(operation, cost = 1) {
      if (!tier) return 0;
      const rate = tierRates[tier][operation];
      const bucket = refill(operation, rate);
      return bucket.tokens >= cost ? 0 : Math.ceil(((cost - bucket.tokens) / rate) * 1000);
    },
  };
}
