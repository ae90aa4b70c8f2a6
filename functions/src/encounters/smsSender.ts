/** Why an SMS was not delivered, in the terms the matcher acts on. */
export type SmsFailureKind =
  /** Try again later: rate limited (20429), a 5xx, or the network. */
  | 'transient'
  /** The number cannot receive SMS (21211 invalid, 21614 not mobile): never send to it again. */
  | 'invalid_number'
  /** The recipient replied STOP (21610): nothing more until they reply START. */
  | 'opted_out'
  /** Any other refusal: this message is given up, the number stays usable. */
  | 'rejected';

/**
 * A phone number as logs and storage may show it: the country code's first digits and the last
 * two, e.g. `+44•••••••89`. Enough to tell two numbers apart, not to text one.
 */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  if (digits.length < 6) return '•••';
  return `+${digits.slice(0, 2)}${'•'.repeat(digits.length - 4)}${digits.slice(-2)}`;
}

export class SmsDeliveryError extends Error {
  override readonly name = 'SmsDeliveryError';

  constructor(
    readonly kind: SmsFailureKind,
    message: string,
    readonly providerCode?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface SmsMessage {
  readonly to: string;
  readonly body: string;
  readonly username: string;
}

/** Sends one SMS; failures are {@link SmsDeliveryError}s classified by what to do next. */
export interface SmsSender {
  readonly mode: 'twilio' | 'outbox';
  send(message: SmsMessage): Promise<{ readonly id: string }>;
}
