import {
  type Measurements,
  measurementNames,
  measurementRanges,
  measurementUnits,
} from './measurements';
import type { ParseProblem } from './telemetryParser';

/** Checks a calibrated reading against the physical ranges, bounds inclusive. */
export function findRangeProblem(reading: Measurements): ParseProblem | undefined {
  for (const name of measurementNames) {
    const value = reading[name];
    if (value === undefined) continue;
    const { min, max } = measurementRanges[name];
    if (value < min || value > max) {
      const range = max === Number.MAX_VALUE ? `at least ${min}` : `${min}..${max}`;
      return {
        reason: 'out_of_range',
        message: `${name} ${value} ${measurementUnits[name]} is outside ${range} after calibration`,
      };
    }
  }
  return undefined;
}
