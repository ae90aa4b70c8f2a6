import { createHmac } from 'node:crypto';
import { PermanentFailure } from '../host/failureKind';
import type { AlarmTransition } from './alarmConditions';

/** What a stage's alarm webhook receives: one alarm change per POST. */
export type AlarmWebhookPayload = Pick<
  AlarmTransition,
  'alarmId' | 'ruleId' | 'deviceId' | 'state' | 'value' | 'at' | 'severity'
>;

export const signatureHeader = 'x-fieldline-signature';
export const timestampHeader = 'x-fieldline-timestamp';

/**
 * `sha256=<hex>` of HMAC-SHA256 over `<timestamp>.<body>` with the stage's secret: the receiver
 * recomputes it over the raw body and refuses an old timestamp, so a captured call cannot be
 * replayed later.
 */
export function signAlarmWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export function webhookPayload(transition: AlarmTransition): AlarmWebhookPayload {
  const { alarmId, ruleId, deviceId, state, value, at, severity } = transition;
  return { alarmId, ruleId, deviceId, state, value, at, severity };
}

/**
 * Delivers one alarm change to the stage's webhook. A 2xx is done. A network error, a timeout,
 * 408, 429 or a 5xx is transient: it throws, and the queue retries it. Any other answer (the
 * receiver refusing this call as it is) is a `PermanentFailure`, set aside as a dead letter.
 */
export function createAlarmWebhookSender(options: {
  readonly url: string;
  readonly secret: string;
  readonly fetch?: typeof fetch;
  readonly timeoutMs?: number;
  readonly now?: () => number;
}) {
  const send =
    options.fetch ?? ((url: string | URL | Request, init?: RequestInit) => fetch(url, init));
  return async (payload: AlarmWebhookPayload): Promise<void> => {
    const body = JSON.stringify(payload);
    const timestamp = String(Math.floor((options.now ?? Date.now)() / 1000));
    const response = await send(options.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [timestampHeader]: timestamp,
        [signatureHeader]: signAlarmWebhook(options.secret, timestamp, body),
      },
      body,
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
    await response.body?.cancel();
    if (response.ok) return;
    const transient = response.status === 408 || response.status === 429 || response.status >= 500;
    const reason = `the alarm webhook answered ${response.status}`;
    throw transient ? new Error(reason) : new PermanentFailure(reason);
  };
}
