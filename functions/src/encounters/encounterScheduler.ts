import { PermanentFailure } from '../host/failureKind';
import type { UserStore } from './userStore';

/** What the scheduler puts on the `encounters` queue, one message per user. */
export interface EncounterJob {
  readonly username: string;
  /** The scheduler window (minutes since the epoch) the user was queued in. */
  readonly window: number;
}

export const windowLengthMs = 60_000;

export function windowOf(time: Date): number {
  return Math.floor(time.getTime() / windowLengthMs);
}

export interface EncounterSchedulerDeps {
  readonly users: UserStore;
  readonly enqueue: (job: EncounterJob) => Promise<void>;
  /** How recent a location must be for its user to take part. */
  readonly locationFreshMs: number;
  /** Users read and queued per page; their messages are sent concurrently. */
  readonly pageSize?: number;
}

export interface SchedulerRun {
  readonly window: number;
  readonly queued: number;
  readonly failed: number;
}

/**
 * Queues every opted-in user with a fresh location, once per window. The claim is one conditional
 * update, so two runs in the same window (a timer firing twice, or two instances) queue each user
 * once between them. A user whose message cannot be queued has the claim released for the next run.
 */
export function createEncounterScheduler(deps: EncounterSchedulerDeps) {
  const pageSize = deps.pageSize ?? 100;
  return {
    async run(now: Date, runId: string): Promise<SchedulerRun> {
      const window = windowOf(now);
      const freshSince = new Date(now.getTime() - deps.locationFreshMs);
      // A claim that fails part-way (Cosmos may stop an updateMany on rate limiting) still stamps
      // some users; they are queued below before the failure is reported.
      let claimFailure: unknown;
      await deps.users.claimDue(window, runId, freshSince).catch((error: unknown) => {
        claimFailure = error;
      });
      let queued = 0;
      let failed = 0;
      for await (const page of deps.users.claimed(window, runId, pageSize)) {
        const results = await Promise.allSettled(
          page.map((username) => deps.enqueue({ username, window })),
        );
        for (const [index, result] of results.entries()) {
          if (result.status === 'fulfilled') queued++;
          else {
            failed++;
            await deps.users.releaseClaim(page[index] as string, window, runId);
          }
        }
      }
      if (claimFailure) throw claimFailure;
      return { window, queued, failed };
    },
  };
}

export type EncounterScheduler = ReturnType<typeof createEncounterScheduler>;

/** Reads a queue message body; anything else is a poison message. */
export function readEncounterJob(body: unknown): EncounterJob {
  const value = body as Partial<EncounterJob> | null;
  if (
    typeof value !== 'object' ||
    value === null ||
    typeof value.username !== 'string' ||
    !Number.isInteger(value.window)
  )
    throw new PermanentFailure(
      `not an encounter job: expected {"username": string, "window": integer}, got ${JSON.stringify(body)?.slice(0, 200)}`,
    );
  return { username: value.username, window: value.window as number };
}
