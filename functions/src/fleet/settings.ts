import { settingNames } from '../settings/settingNames';
import { type Env, nonEmpty, readInteger } from '../settings/settingReaders';

export interface FleetConfig {
  /** Days of history rollups and alarms kept (default 30). */
  readonly historyRetentionDays: number;
  /** How long one read of the alarm rules and device tags is reused. */
  readonly cacheMs: number;
  /** Where alarm changes are POSTed, signed with `secret`; absent when not configured. */
  readonly webhook?: { readonly url: string; readonly secret: string };
}

/** Alarm rules, history and the alarm webhook: core settings, so a bad one stops the app. */
export function readSettings(env: Env, problems: string[]): FleetConfig {
  return {
    historyRetentionDays: readInteger(
      env,
      settingNames.historyRetentionDays,
      { min: 1, max: 3650, fallback: 30 },
      problems,
    ),
    cacheMs:
      readInteger(
        env,
        settingNames.fleetCacheSeconds,
        { min: 0, max: 3600, fallback: 30 },
        problems,
      ) * 1000,
    ...readAlarmWebhook(env, problems),
  };
}

function readAlarmWebhook(
  env: Env,
  problems: string[],
): { webhook?: { url: string; secret: string } } {
  const url = nonEmpty(env[settingNames.alarmWebhookUrl]);
  if (!url) return {};
  const secret = nonEmpty(env[settingNames.alarmWebhookSecret]);
  // Plain HTTP only to this machine (the local cloud's tests and tools).
  if (!/^https:\/\/\S+$/.test(url) && !/^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?\//.test(url))
    problems.push(`${settingNames.alarmWebhookUrl} must be an https URL; got "${url}"`);
  if (!secret || secret.length < 16)
    problems.push(
      `${settingNames.alarmWebhookSecret} must be set, 16 characters or more, when ${settingNames.alarmWebhookUrl} is`,
    );
  return secret ? { webhook: { url, secret } } : {};
}
