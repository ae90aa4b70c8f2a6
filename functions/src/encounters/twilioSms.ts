import { commonJsDefault, commonJsExports } from '../host/commonJsModule';
import { lazy } from '../host/lazy';
import {
  SmsDeliveryError,
  type SmsDeliveryError as SmsDeliveryErrorType,
  type SmsSender,
} from './smsSender';

export interface TwilioSettings {
  readonly accountSid: string;
  readonly authToken: string;
  /** A sender number in E.164, or a Messaging Service SID (MG...). */
  readonly from: string;
  /** Where the Twilio REST API is; only tests and local stand-ins change it. */
  readonly apiBaseUrl?: string;
}

// Only the pieces of the SDK that send messages and check signatures are loaded, on first use: the
// whole `twilio` package bundles every Twilio product (about 3.7 MB), its `Api` domain every 2010
// API resource (0.9 MB); the Messages resource on its own is about 0.4 MB.
const loadTwilio = async () => {
  const [base, domain, version, message, requestClient, webhooks] = await Promise.all([
    import('twilio/lib/base/BaseTwilio.js'),
    import('twilio/lib/base/Domain.js'),
    import('twilio/lib/base/Version.js'),
    import('twilio/lib/rest/api/v2010/account/message.js'),
    import('twilio/lib/base/RequestClient.js'),
    import('twilio/lib/webhooks/webhooks.js'),
  ]);
  return {
    Client: commonJsDefault(base).Client,
    Domain: commonJsDefault(domain),
    Version: commonJsDefault(version),
    MessageListInstance: commonJsExports(message).MessageListInstance,
    RequestClient: commonJsDefault(requestClient),
    validateRequest: commonJsExports(webhooks).validateRequest,
  };
};

const twilio = lazy(loadTwilio);

/** Twilio's documented signature check of a webhook request (HMAC-SHA1 of URL and form fields). */
export async function validTwilioSignature(
  authToken: string,
  signature: string,
  url: string,
  params: Record<string, string>,
): Promise<boolean> {
  const { validateRequest } = await twilio();
  return validateRequest(authToken, signature, url, params);
}

/**
 * Sends SMS through Twilio's Messages API with the official SDK. Its own retries are off: a
 * transient failure goes back to the queue, which retries with the host's backoff and ends in the
 * poison queue rather than blocking a worker.
 */
export function createTwilioSmsSender(settings: TwilioSettings): SmsSender {
  // Made on the first send, not when the app starts: the SDK is not loaded until then.
  const messages = lazy(async () => {
    const { Client, Domain, Version, MessageListInstance, RequestClient } = await twilio();
    const http = new RequestClient({ timeout: 10_000, autoRetry: false });
    const base = settings.apiBaseUrl ? new URL(settings.apiBaseUrl) : undefined;
    const client = new Client(settings.accountSid, settings.authToken, {
      httpClient: base
        ? ({
            request: (options: Parameters<typeof http.request>[0]) => {
              const uri = new URL(options.uri);
              uri.protocol = base.protocol;
              uri.host = base.host;
              return http.request({ ...options, uri: uri.href });
            },
          } as typeof http)
        : http,
    });
    // What the SDK's own `client.messages` is: the 2010-04-01 API's Messages list for the account.
    const v2010 = new Version(new Domain(client, 'https://api.twilio.com'), '2010-04-01');
    // The list calls only the request methods every Version has; V2010 adds the account getters.
    return MessageListInstance(
      v2010 as unknown as Parameters<typeof MessageListInstance>[0],
      settings.accountSid,
    );
  });
  return {
    mode: 'twilio',
    async send(message) {
      const list = await messages();
      try {
        const sent = await list.create({
          to: message.to,
          body: message.body,
          ...(settings.from.startsWith('MG')
            ? { messagingServiceSid: settings.from }
            : { from: settings.from }),
        });
        return { id: sent.sid };
      } catch (error) {
        throw classifyTwilioError(error);
      }
    },
  };
}

/**
 * Maps an SDK failure to what the matcher does next (twilio.com/docs/api/errors): the SDK throws a
 * `RestException` with the HTTP `status` and Twilio's `code`; anything without a status is the
 * network.
 */
export function classifyTwilioError(error: unknown): SmsDeliveryErrorType {
  const { status, code, message } = (error ?? {}) as {
    status?: unknown;
    code?: unknown;
    message?: unknown;
  };
  const twilioCode = typeof code === 'number' ? code : undefined;
  if (typeof status !== 'number') {
    // A network failure names no number: keep its code (ECONNREFUSED, a timeout) or message.
    const network = (error as { code?: unknown }).code;
    const text = typeof network === 'string' ? network : typeof message === 'string' ? message : '';
    return new SmsDeliveryError('transient', `Twilio unreachable: ${text}`.trim());
  }
  // Twilio's own text names the To number, so only its status and code go on (and no cause, which
  // a log would print): twilio.com/docs/api/errors/<code> says the rest.
  const detail = `Twilio ${status}${twilioCode ? ` (${twilioCode})` : ''}`;
  if (twilioCode === 21211 || twilioCode === 21614)
    return new SmsDeliveryError('invalid_number', detail, twilioCode);
  if (twilioCode === 21610) return new SmsDeliveryError('opted_out', detail, twilioCode);
  if (twilioCode === 20429 || status === 429 || status >= 500)
    return new SmsDeliveryError('transient', detail, twilioCode);
  return new SmsDeliveryError('rejected', detail, twilioCode);
}
