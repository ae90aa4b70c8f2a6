import type { HttpRequest } from '@azure/functions';
import { AppError } from './appError';
import { deviceIdRule, isValidDeviceId } from './deviceId';

/**
 * Parses a JSON body. Its size was already bounded by the function's `maxBodyBytes` when the
 * access guard read it.
 */
export async function readJsonBody(request: HttpRequest): Promise<unknown> {
  const text = await request.text();
  if (text.trim() === '') throw new AppError('invalid_json', 'body is empty; send a JSON object');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new AppError('invalid_json', 'body is not valid JSON');
  }
}

/** A whole-number query parameter within bounds, or the fallback when absent. */
export function queryInteger(
  request: HttpRequest,
  name: string,
  rule: { min: number; max: number; fallback: number },
): number {
  const raw = request.query.get(name);
  if (raw === null || raw === '') return rule.fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < rule.min || value > rule.max) {
    throw new AppError(
      'validation_failed',
      `${name} must be a whole number from ${rule.min} to ${rule.max}`,
    );
  }
  return value;
}

/** The `{id}` route parameter, or a 400 naming the rules it breaks. */
export function routeDeviceId(request: HttpRequest): string {
  const deviceId = request.params.id ?? '';
  if (!isValidDeviceId(deviceId)) throw new AppError('validation_failed', deviceIdRule);
  return deviceId;
}
