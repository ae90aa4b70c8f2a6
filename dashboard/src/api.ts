import type {
  Alarm,
  AlarmRule,
  CommandOutcome,
  DeviceActivity,
  DeviceState,
  DeviceTwin,
  HistoryBucket,
  HistoryInterval,
  JobView,
  Rejection,
} from './telemetryTypes';

/** The function app's API, as documented in the README, called with the operator's token. */
export function createApi(
  apiBaseUrl: string,
  accessToken: () => Promise<string>,
  fetchImpl: typeof fetch = (...args) => fetch(...args),
) {
  const call = async (path: string, init: RequestInit = {}) =>
    fetchImpl(`${apiBaseUrl}${path}`, {
      ...init,
      headers: { ...init.headers, authorization: `Bearer ${await accessToken()}` },
    });
  /** A write; the API's error message, when it refuses, becomes the thrown error's. */
  const send = async (method: string, path: string, body?: unknown): Promise<void> => {
    const response = await call(path, {
      method,
      ...(body === undefined
        ? {}
        : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    if (!response.ok) throw new Error(await errorMessage(response));
  };
  /** A write whose answer the caller reads; refused as `send` is. */
  const exchange = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await call(path, {
      method,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body ?? {}),
    });
    if (!response.ok) throw new Error(await errorMessage(response));
    return (await response.json()) as T;
  };
  const get = async <T>(path: string): Promise<T> => {
    const response = await call(path);
    if (!response.ok) throw new Error(`GET ${path} answered ${response.status}`);
    return (await response.json()) as T;
  };
  return {
    devices: () => get<DeviceState[]>('/devices?history=30'),
    device: (id: string) => get<DeviceState>(`/devices/${encodeURIComponent(id)}`),
    rejections: (id: string) =>
      get<Rejection[]>(`/rejections?deviceId=${encodeURIComponent(id)}&limit=20`),
    recentRejections: () => get<Rejection[]>('/rejections?limit=20'),
    /** Needs Fleet.Operate; the answer's error message says what was wrong. */
    putCalibration: (id: string, calibration: unknown) =>
      send('PUT', `/devices/${encodeURIComponent(id)}/calibration`, calibration),
    twin: (id: string) => get<DeviceTwin>(`/devices/${encodeURIComponent(id)}/twin`),
    /** Needs Fleet.Operate: the twin after the change. */
    patchDesired: (id: string, patch: unknown) =>
      exchange<DeviceTwin>('PATCH', `/devices/${encodeURIComponent(id)}/twin/desired`, patch),
    /** Needs Fleet.Operate: the device's answer, or the API's reason it has none. */
    runCommand: (id: string, name: string, payload: unknown) =>
      exchange<CommandOutcome>(
        'POST',
        `/devices/${encodeURIComponent(id)}/commands/${encodeURIComponent(name)}`,
        { payload },
      ),
    activity: (id: string) =>
      get<DeviceActivity[]>(`/devices/${encodeURIComponent(id)}/activity?limit=20`),
    createJob: (spec: unknown) => exchange<{ jobId: string }>('POST', '/jobs', spec),
    job: (jobId: string) => get<JobView>(`/jobs/${encodeURIComponent(jobId)}`),
    cancelJob: (jobId: string) =>
      exchange<JobView>('POST', `/jobs/${encodeURIComponent(jobId)}/cancel`),
    alarms: (state: 'active' | 'all') => get<Alarm[]>(`/alarms?state=${state}&limit=200`),
    acknowledgeAlarm: (alarmId: string) =>
      send('POST', `/alarms/${encodeURIComponent(alarmId)}/ack`),
    alarmRules: () => get<AlarmRule[]>('/alarm-rules'),
    putAlarmRule: (ruleId: string, rule: unknown) =>
      send('PUT', `/alarm-rules/${encodeURIComponent(ruleId)}`, rule),
    deleteAlarmRule: (ruleId: string) =>
      send('DELETE', `/alarm-rules/${encodeURIComponent(ruleId)}`),
    history: (id: string, range: HistoryRange) =>
      get<{ buckets: HistoryBucket[] }>(
        `/devices/${encodeURIComponent(id)}/history?${rangeQuery(range)}`,
      ),
    /** The CSV export, fetched with the token (a plain link could not send it). */
    historyCsv: async (id: string, range: HistoryRange): Promise<Blob> => {
      const response = await call(
        `/devices/${encodeURIComponent(id)}/history.csv?${rangeQuery(range)}`,
      );
      if (!response.ok) throw new Error(await errorMessage(response));
      return response.blob();
    },
    /** Whether an optional feature's API answers, and what it says. */
    probe: async (path: string): Promise<unknown[] | undefined> => {
      try {
        const response = await call(path);
        if (!response.ok) return undefined;
        const body: unknown = await response.json();
        return Array.isArray(body) ? body : undefined;
      } catch {
        return undefined;
      }
    },
  };
}

export type Api = ReturnType<typeof createApi>;

export interface HistoryRange {
  readonly from: number;
  readonly to: number;
  readonly interval: HistoryInterval;
}

function rangeQuery(range: HistoryRange): string {
  return `from=${new Date(range.from).toISOString()}&to=${new Date(range.to).toISOString()}&interval=${range.interval}`;
}

async function errorMessage(response: Response): Promise<string> {
  const body = (await response.json().catch(() => ({}))) as { error?: { message?: string } };
  return body.error?.message ?? `the API answered ${response.status}`;
}
