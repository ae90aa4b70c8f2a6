import { settingNames } from '../settings/settingNames';
import { type Env, readInteger } from '../settings/settingReaders';

export interface AnalyticsConfig {
  readonly referenceRefreshMs: number;
}

/** Product analytics: how often the product reference data is read again. */
export function readSettings(env: Env, problems: string[]): AnalyticsConfig {
  return {
    referenceRefreshMs:
      readInteger(
        env,
        settingNames.referenceRefreshSeconds,
        { min: 0, max: 3600, fallback: 30 },
        problems,
      ) * 1000,
  };
}
