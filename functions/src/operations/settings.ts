import { settingNames } from '../settings/settingNames';
import { type Env, readInteger } from '../settings/settingReaders';

export interface OperationsConfig {
  /** Days kept before the daily retention run deletes (default 7). */
  readonly retentionDays: number;
}

/** Retention: how long rejections, counters, outbox rows and dead letters are kept. */
export function readSettings(env: Env, problems: string[]): OperationsConfig {
  return {
    retentionDays: readInteger(
      env,
      settingNames.retentionDays,
      { min: 1, max: 3650, fallback: 7 },
      problems,
    ),
  };
}
