import { settingNames } from '../settings/settingNames';
import { type Env, nonEmpty, readInteger, readMongodbUri } from '../settings/settingReaders';
import type { TwilioSettings } from './twilioSms';

/** The encounters feature; absent when MONGODB_URI is not set. */
export interface EncounterConfig {
  readonly mongodbUri: string;
  readonly maxMatches: number;
  readonly locationFreshMs: number;
  readonly sms:
    | { readonly kind: 'outbox' }
    | { readonly kind: 'twilio'; readonly twilio: TwilioSettings };
  /** Checks the inbound webhook's signature; without it the webhook refuses every request. */
  readonly twilioAuthToken?: string;
  /** The URL Twilio signs, when it differs from the one the app sees (custom domain, proxy). */
  readonly twilioWebhookUrl?: string;
}

/** The encounters feature's settings; absent without MONGODB_URI. */
export function readSettings(env: Env, problems: string[]): EncounterConfig | undefined {
  const mongodbUri = readMongodbUri(env, problems);
  if (!mongodbUri) return undefined;
  const maxMatches = readInteger(
    env,
    settingNames.encounterMaxMatches,
    { min: 1, max: 10, fallback: 2 },
    problems,
  );
  const locationFreshMs =
    readInteger(
      env,
      settingNames.encounterLocationFreshMinutes,
      { min: 1, max: 1440, fallback: 15 },
      problems,
    ) * 60_000;
  const twilioAuthToken = nonEmpty(env[settingNames.twilioAuthToken]);
  const mode = nonEmpty(env[settingNames.smsMode]) ?? 'twilio';
  let sms: EncounterConfig['sms'] = { kind: 'outbox' };
  if (mode === 'twilio') {
    const accountSid = nonEmpty(env[settingNames.twilioAccountSid]);
    const from = nonEmpty(env[settingNames.twilioFrom]);
    const apiBaseUrl = nonEmpty(env[settingNames.twilioApiBaseUrl]);
    if (!accountSid || !/^AC[0-9a-fA-F]{32}$/.test(accountSid))
      problems.push(
        `${settingNames.twilioAccountSid} must be a Twilio account SID (AC followed by 32 hex digits) when ${settingNames.smsMode} is twilio; set ${settingNames.smsMode}=outbox to keep SMS in a table instead`,
      );
    if (!twilioAuthToken)
      problems.push(
        `${settingNames.twilioAuthToken} is missing; it is required when ${settingNames.smsMode} is twilio`,
      );
    if (!from || !/^(\+[1-9]\d{7,14}|MG[0-9a-fA-F]{32})$/.test(from))
      problems.push(
        `${settingNames.twilioFrom} must be an E.164 number or a Messaging Service SID (MG...) when ${settingNames.smsMode} is twilio`,
      );
    if (apiBaseUrl && !URL.canParse(apiBaseUrl))
      problems.push(`${settingNames.twilioApiBaseUrl} must be a URL`);
    if (accountSid && twilioAuthToken && from)
      sms = {
        kind: 'twilio',
        twilio: {
          accountSid,
          authToken: twilioAuthToken,
          from,
          ...(apiBaseUrl ? { apiBaseUrl } : {}),
        },
      };
  } else if (mode !== 'outbox')
    problems.push(`${settingNames.smsMode} must be twilio or outbox; got "${mode}"`);
  const twilioWebhookUrl = nonEmpty(env[settingNames.twilioWebhookUrl]);
  if (twilioWebhookUrl && !/^https?:\/\//.test(twilioWebhookUrl))
    problems.push(
      `${settingNames.twilioWebhookUrl} must be the full URL Twilio calls, such as https://api.example.com/api/twilio/inbound`,
    );
  return {
    mongodbUri,
    maxMatches,
    ...(twilioWebhookUrl ? { twilioWebhookUrl } : {}),
    locationFreshMs,
    sms,
    ...(twilioAuthToken ? { twilioAuthToken } : {}),
  };
}
