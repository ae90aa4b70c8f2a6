import { describe, expect, it } from 'vitest';
import type { AppError } from '../host/appError';
import { applyCalibration, parseCalibration } from './calibration';
import { findRangeProblem } from './readingValidator';

describe('calibration', () => {
  it('applies value * slope + intercept to calibrated measurements only', () => {
    const calibration = {
      temperature: { slope: 1.5, intercept: -2 },
      humidity: { slope: 1, intercept: 0.5 },
    };
    expect(applyCalibration({ temperature: 10, humidity: 0, light: 9 }, calibration)).toEqual({
      temperature: 13,
      humidity: 0.5,
      light: 9,
    });
    expect(applyCalibration({ temperature: 10 }, undefined)).toEqual({ temperature: 10 });
  });

  it('accepts a valid body', () => {
    expect(parseCalibration({ pressure: { slope: 1, intercept: 3 } })).toEqual({
      pressure: { slope: 1, intercept: 3 },
    });
  });

  it.each([
    [[], /must be an object/],
    [{}, /at least one/],
    [{ wind: { slope: 1, intercept: 0 } }, /unknown field "wind"/],
    [{ temperature: 3 }, /temperature must be an object/],
    [{ temperature: { slope: '1', intercept: 0 } }, /temperature\.slope/],
    [{ temperature: { slope: 1 } }, /temperature\.intercept/],
    [{ humidity: { slope: 0, intercept: 0 } }, /slope must not be 0/],
    [{ humidity: { slope: 1e9, intercept: 0 } }, /humidity\.slope/],
  ])('rejects %j', (body, message) => {
    expect(() => parseCalibration(body)).toThrowError(message);
    try {
      parseCalibration(body);
    } catch (error) {
      expect((error as AppError).code).toBe('validation_failed');
    }
  });
});

describe('findRangeProblem', () => {
  it.each([
    [{ temperature: -40 }, undefined],
    [{ temperature: 80 }, undefined],
    [{ pressure: 600 }, undefined],
    [{ pressure: 1600 }, undefined],
    [{ humidity: 0 }, undefined],
    [{ humidity: 100 }, undefined],
    [{ light: 0 }, undefined],
    [{ temperature: -40.001 }, 'out_of_range'],
    [{ temperature: 80.001 }, 'out_of_range'],
    [{ pressure: 599.9 }, 'out_of_range'],
    [{ pressure: 1600.1 }, 'out_of_range'],
    [{ humidity: -0.1 }, 'out_of_range'],
    [{ humidity: 100.1 }, 'out_of_range'],
    [{ light: -1 }, 'out_of_range'],
  ])('%j -> %s', (reading, reason) => {
    expect(findRangeProblem(reading)?.reason).toBe(reason);
  });
});
