import { AppError } from '../host/appError';
import type { Measurements } from './measurements';

export const calibratedMeasurements = ['temperature', 'humidity', 'pressure'] as const;
export type CalibratedMeasurement = (typeof calibratedMeasurements)[number];

export interface LinearCalibration {
  readonly slope: number;
  readonly intercept: number;
}

/** Per-device correction, `value * slope + intercept`; a measurement without one is left as sent. */
export type Calibration = Partial<Record<CalibratedMeasurement, LinearCalibration>>;

export function applyCalibration(
  reading: Measurements,
  calibration: Calibration | undefined,
): Measurements {
  if (!calibration) return reading;
  const calibrated: Measurements = { ...reading };
  for (const name of calibratedMeasurements) {
    const value = reading[name];
    const rule = calibration[name];
    if (value !== undefined && rule) calibrated[name] = value * rule.slope + rule.intercept;
  }
  return calibrated;
}

const maxCoefficient = 1e6;

/** Validates a `PUT .../calibration` body, naming the first field that is wrong. */
export function parseCalibration(body: unknown): Calibration {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new AppError(
      'validation_failed',
      'body must be an object like {"temperature":{"slope":1,"intercept":0}}',
    );
  }
  const fields = body as Record<string, unknown>;
  const unknownKeys = Object.keys(fields).filter(
    (key) => !(calibratedMeasurements as readonly string[]).includes(key),
  );
  if (unknownKeys.length > 0) {
    throw new AppError(
      'validation_failed',
      `unknown field "${unknownKeys[0]}"; allowed: ${calibratedMeasurements.join(', ')}`,
    );
  }
  const calibration: Partial<Record<CalibratedMeasurement, LinearCalibration>> = {};
  for (const name of calibratedMeasurements) {
    const rule = fields[name];
    if (rule === undefined) continue;
    if (typeof rule !== 'object' || rule === null) {
      throw new AppError('validation_failed', `${name} must be an object with slope and intercept`);
    }
    const { slope, intercept } = rule as Record<string, unknown>;
    for (const [key, value] of [
      ['slope', slope],
      ['intercept', intercept],
    ] as const) {
      if (
        typeof value !== 'number' ||
        !Number.isFinite(value) ||
        Math.abs(value) > maxCoefficient
      ) {
        throw new AppError(
          'validation_failed',
          `${name}.${key} must be a number between -1e6 and 1e6`,
        );
      }
    }
    if (slope === 0) throw new AppError('validation_failed', `${name}.slope must not be 0`);
    calibration[name] = { slope: slope as number, intercept: intercept as number };
  }
  if (Object.keys(calibration).length === 0) {
    throw new AppError(
      'validation_failed',
      `give at least one of ${calibratedMeasurements.join(', ')}`,
    );
  }
  return calibration;
}
