// The contracts the dashboard consumes, as the function app documents them in the README.
export const measurementNames = ['temperature', 'humidity', 'pressure', 'light'] as const;
export type MeasurementName = (typeof measurementNames)[number];

export interface HistoryPoint {
  readonly t: string;
  readonly seq: number;
  readonly temperature?: number;
  readonly humidity?: number;
  readonly pressure?: number;
  readonly light?: number;
}

export interface DeviceState {
  readonly deviceId: string;
  readonly temperature: number | null;
  readonly humidity: number | null;
  readonly pressure: number | null;
  readonly light: number | null;
  readonly count: number;
  readonly rejected: number;
  readonly lastSeen: string | null;
  readonly history: readonly HistoryPoint[];
}

export interface Rejection {
  readonly deviceId: string;
  readonly reason: string;
  readonly message: string;
  readonly partitionId: string;
  readonly sequenceNumber: number;
  readonly receivedAt: string;
  readonly sample?: string;
}
