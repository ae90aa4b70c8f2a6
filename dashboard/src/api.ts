import type { DeviceState, Rejection } from './telemetryTypes';

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
    putCalibration: async (id: string, calibration: unknown): Promise<void> => {
      const response = await call(`/devices/${encodeURIComponent(id)}/calibration`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(calibration),
      });
      if (!response.ok) {
        const body = (await response.json().catch(() => ({}))) as {
          error?: { message?: string };
        };
        throw new Error(body.error?.message ?? `the API answered ${response.status}`);
      }
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
