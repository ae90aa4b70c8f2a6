import { settingNames } from '../settings/settingNames';
import { type Env, readInteger } from '../settings/settingReaders';
import { maxHistoryLength } from './deviceState';

export interface TelemetryConfig {
  readonly calibrationCacheMs: number;
  readonly historyLength: number;
  readonly maxMessageBytes: number;
}

/** Ingest and device state: core settings, so a bad one stops the app. */
export function readSettings(env: Env, problems: string[]): TelemetryConfig {
  return {
    calibrationCacheMs:
      readInteger(
        env,
        settingNames.calibrationCacheSeconds,
        { min: 0, max: 86_400, fallback: 300 },
        problems,
      ) * 1000,
    historyLength: readInteger(
      env,
      settingNames.deviceHistoryLength,
      { min: 1, max: maxHistoryLength, fallback: 100 },
      problems,
    ),
    maxMessageBytes: readInteger(
      env,
      settingNames.telemetryMaxMessageBytes,
      { min: 1024, max: 262_144, fallback: 65_536 },
      problems,
    ),
  };
}
