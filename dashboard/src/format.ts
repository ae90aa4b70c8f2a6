import type { MeasurementName } from './telemetryTypes';

export const units: Readonly<Record<MeasurementName, string>> = {
  temperature: '°C',
  humidity: '%',
  pressure: 'hPa',
  light: 'lx',
};

const decimals: Readonly<Record<MeasurementName, number>> = {
  temperature: 1,
  humidity: 0,
  pressure: 0,
  light: 0,
};

/** A reading with its unit; 0 and negative values are values, only null is "no data". */
export function formatMeasurement(name: MeasurementName, value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  const text = value.toFixed(decimals[name]);
  // -0.0 would read as a negative temperature.
  return `${text === `-${(0).toFixed(decimals[name])}` ? text.slice(1) : text} ${units[name]}`;
}

export type Freshness = 'live' | 'stale' | 'offline' | 'never';

export function freshnessOf(
  lastSeen: string | null,
  nowMs: number,
  thresholds: { staleAfterSeconds: number; offlineAfterSeconds: number },
): Freshness {
  if (!lastSeen) return 'never';
  const age = (nowMs - Date.parse(lastSeen)) / 1000;
  if (age >= thresholds.offlineAfterSeconds) return 'offline';
  if (age >= thresholds.staleAfterSeconds) return 'stale';
  return 'live';
}

/** "just now", "12 s ago", "5 min ago", "3 h ago", "2 d ago". */
export function formatAge(timestamp: string | null, nowMs: number): string {
  if (!timestamp) return 'never';
  const seconds = Math.max(0, Math.round((nowMs - Date.parse(timestamp)) / 1000));
  if (seconds < 2) return 'just now';
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86_400)} d ago`;
}

export function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}
