import {
  type MeasurementName,
  type Measurements,
  measurementAliases,
  measurementNames,
} from './measurements';
import type { RejectionReason } from './rejection';

export interface ParseLimits {
  readonly maxMessageBytes: number;
  readonly maxReadingsPerMessage: number;
}

export interface ParseProblem {
  readonly reason: RejectionReason;
  readonly message: string;
}

export interface ParsedTelemetry {
  readonly readings: Measurements[];
  readonly problems: ParseProblem[];
  /** The payload as text, for keeping alongside a rejection. */
  readonly text: string;
}

/**
 * Turns one message body into readings. The body may be bytes, a string, or JSON the Functions host
 * already parsed; it may hold one reading object or an array of them. Problems never throw: each
 * becomes a {@link ParseProblem} with its reason.
 */
export function parseTelemetryBody(body: unknown, limits: ParseLimits): ParsedTelemetry {
  const decoded = decodeBody(body);
  if ('problem' in decoded)
    return { readings: [], problems: [decoded.problem], text: decoded.text };
  const { value, text } = decoded;
  if (Buffer.byteLength(text, 'utf8') > limits.maxMessageBytes) {
    return {
      readings: [],
      problems: [
        { reason: 'too_large', message: `message is over ${limits.maxMessageBytes} bytes` },
      ],
      text,
    };
  }
  const items = Array.isArray(value) ? value : [value];
  if (items.length > limits.maxReadingsPerMessage) {
    return {
      readings: [],
      problems: [
        {
          reason: 'too_large',
          message: `message holds ${items.length} readings; at most ${limits.maxReadingsPerMessage}`,
        },
      ],
      text,
    };
  }
  if (items.length === 0) {
    return {
      readings: [],
      problems: [{ reason: 'no_measurements', message: 'empty array' }],
      text,
    };
  }
  const readings: Measurements[] = [];
  const problems: ParseProblem[] = [];
  for (const item of items) {
    const result = parseReading(item);
    if ('problem' in result) problems.push(result.problem);
    else readings.push(result.reading);
  }
  return { readings, problems, text };
}

function decodeBody(
  body: unknown,
): { value: unknown; text: string } | { problem: ParseProblem; text: string } {
  if (body instanceof Uint8Array) return parseJsonText(Buffer.from(body).toString('utf8'));
  if (typeof body === 'string') return parseJsonText(body);
  if (body === null || body === undefined) {
    return { problem: { reason: 'malformed_json', message: 'empty body' }, text: '' };
  }
  // Already parsed by the host. Re-serialising bounds the size check by what the device sent.
  return { value: body, text: JSON.stringify(body) ?? '' };
}

function parseJsonText(
  text: string,
): { value: unknown; text: string } | { problem: ParseProblem; text: string } {
  try {
    return { value: JSON.parse(text) as unknown, text };
  } catch (error) {
    const detail = error instanceof Error ? error.message : 'unparseable';
    return { problem: { reason: 'malformed_json', message: `body is not JSON: ${detail}` }, text };
  }
}

function parseReading(item: unknown): { reading: Measurements } | { problem: ParseProblem } {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    return {
      problem: {
        reason: 'wrong_type',
        message: `a reading must be a JSON object, got ${describe(item)}`,
      },
    };
  }
  const fields = item as Record<string, unknown>;
  const reading: Measurements = {};
  for (const name of measurementNames) {
    const field = measurementAliases[name].find((alias) => fields[alias] !== undefined);
    if (field === undefined) continue;
    const value = fields[field];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      return {
        problem: {
          reason: 'wrong_type',
          message: `${field} must be a finite number, got ${describe(value)}`,
        },
      };
    }
    reading[name as MeasurementName] = value;
  }
  if (Object.keys(reading).length === 0) {
    return {
      problem: {
        reason: 'no_measurements',
        message: 'no temperature, humidity, pressure or light in the reading',
      },
    };
  }
  return { reading };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.slice(0, 40))}`;
  return typeof value === 'number' ? String(value) : `a ${typeof value}`;
}
