export const measurementNames = ['temperature', 'humidity', 'pressure', 'light'] as const;
export type MeasurementName = (typeof measurementNames)[number];

/** One reading after parsing: only the measurements the device sent. 0 is a value, not "missing". */
export type Measurements = Partial<Record<MeasurementName, number>>;

export const measurementUnits: Readonly<Record<MeasurementName, string>> = {
  temperature: '°C',
  humidity: '%',
  pressure: 'hPa',
  light: 'lx',
};

/** Plausible physical ranges, inclusive, checked after calibration. Light is unbounded above. */
export const measurementRanges: Readonly<Record<MeasurementName, { min: number; max: number }>> = {
  temperature: { min: -40, max: 80 },
  humidity: { min: 0, max: 100 },
  pressure: { min: 600, max: 1600 },
  light: { min: 0, max: Number.MAX_VALUE },
};

/**
 * Field spellings accepted per measurement: fieldline's own, the seed's (`Celsius`, `Humidity`,
 * `hPa`), and the Raspberry Pi web simulator's (`temperature`, `humidity`).
 */
export const measurementAliases: Readonly<Record<MeasurementName, readonly string[]>> = {
  temperature: ['temperature', 'Celsius'],
  humidity: ['humidity', 'Humidity'],
  pressure: ['pressure', 'hPa'],
  light: ['light', 'Light'],
};
