import { AppError } from '../host/appError';
import { validTwilioSignature } from './twilioSms';
import type { UserStore } from './userStore';

// Twilio's standard opt-out and opt-in keywords (help.twilio.com, "Twilio support for opt-out keywords").
const optOutKeywords = new Set([
  'STOP',
  'STOPALL',
  'UNSUBSCRIBE',
  'CANCEL',
  'END',
  'QUIT',
  'OPTOUT',
  'REVOKE',
]);
const optInKeywords = new Set(['START', 'YES', 'UNSTOP']);

/**
 * `POST /api/twilio/inbound`: Twilio's incoming-SMS webhook. The `X-Twilio-Signature` header is
 * checked against the auth token, the full request URL and the form fields; anything unsigned or
 * mis-signed gets 403. STOP opts the number out of every further SMS; START opts it back in.
 */
export async function handleTwilioInbound(
  request: {
    readonly signature: string | null;
    readonly contentType: string | null;
    /** The full URL Twilio requested, query string included: it is part of what is signed. */
    readonly url: string;
    readonly body: string;
  },
  deps: { users: UserStore; authToken: string | undefined },
): Promise<'opted_out' | 'opted_in' | 'ignored'> {
  if (!deps.authToken)
    throw new AppError(
      'unavailable',
      'the Twilio webhook is not configured: set TWILIO_AUTH_TOKEN',
    );
  if (!request.signature) throw new AppError('forbidden', 'X-Twilio-Signature is missing');
  if (!(request.contentType ?? '').includes('application/x-www-form-urlencoded'))
    throw new AppError(
      'unsupported_media_type',
      'Twilio webhooks are application/x-www-form-urlencoded',
    );
  const params = Object.fromEntries(new URLSearchParams(request.body));
  if (!(await validTwilioSignature(deps.authToken, request.signature, request.url, params)))
    throw new AppError('forbidden', 'X-Twilio-Signature does not match this request');

  const from = params.From ?? '';
  const keyword = (params.Body ?? '').trim().split(/\s+/)[0]?.toUpperCase() ?? '';
  if (from && optOutKeywords.has(keyword)) {
    await deps.users.setOptOut(from, true, new Date());
    return 'opted_out';
  }
  if (from && optInKeywords.has(keyword)) {
    await deps.users.setOptOut(from, false, new Date());
    return 'opted_in';
  }
  return 'ignored';
}
