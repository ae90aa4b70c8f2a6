import { messageTypeProperty } from '../settings/settingNames';

const maxEventChars = 64;
const maxProductIdChars = 128;

/** A retail client's event, in the seed's shape. */
export interface ProductEvent {
  readonly event: string;
  readonly event_value?: number;
  readonly product_id: string;
  readonly size_name?: string;
  readonly color_name?: string;
  readonly referer_product_id?: string;
  readonly user_id?: string;
}

/** Reads one event; undefined when the body is not a product event. */
export function parseProductEvent(body: unknown): ProductEvent | undefined {
  const read = readProductEvent(body);
  return 'problem' in read ? undefined : read;
}

/** Reads one event, or says why the body is not one (for its dead letter). */
export function readProductEvent(body: unknown): ProductEvent | { readonly problem: string } {
  const value =
    typeof body === 'string'
      ? safeParse(body)
      : body instanceof Uint8Array
        ? safeParse(Buffer.from(body).toString('utf8'))
        : body;
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { problem: 'the body is not a JSON object' };
  const fields = value as Record<string, unknown>;
  const text = (key: string) =>
    typeof fields[key] === 'string' || typeof fields[key] === 'number'
      ? String(fields[key])
      : undefined;
  const event = text('event');
  const productId = text('product_id');
  if (!event || !productId) return { problem: 'a product event needs event and product_id' };
  if (event.length > maxEventChars)
    return { problem: `event is ${event.length} characters; at most ${maxEventChars}` };
  if (productId.length > maxProductIdChars)
    return {
      problem: `product_id is ${productId.length} characters; at most ${maxProductIdChars}`,
    };
  const eventValue = fields.event_value;
  return {
    event,
    product_id: productId,
    ...(typeof eventValue === 'number' && Number.isFinite(eventValue)
      ? { event_value: eventValue }
      : {}),
    ...optional('size_name', text('size_name')),
    ...optional('color_name', text('color_name')),
    ...optional('referer_product_id', text('referer_product_id')),
    ...optional('user_id', text('user_id')),
  };
}

/**
 * Whether a hub message is a product event: marked with the application property `type=analytics`,
 * or, as the seed's web clients send them, unmarked but shaped like one (`event` with
 * `product_id`). Both consumers decide with this, so an event is counted once and never also
 * rejected as telemetry.
 */
export function isProductEventMessage(message: {
  readonly body: unknown;
  readonly properties: Readonly<Record<string, unknown>>;
}): boolean {
  const marked = message.properties[messageTypeProperty.name];
  if (marked !== undefined) return marked === messageTypeProperty.analytics;
  return parseProductEvent(message.body) !== undefined;
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, string>);
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
