import type { DeviceState, Rejection } from './telemetryTypes';

/** The function app's read API, as documented in the README. */
export function createApi(
  apiBaseUrl: string,
  fetchImpl: typeof fetch = (...args) => fetch(...args),
) {
  const get = async <T>(path: string): Promise<T> => {
    const response = await fetchImpl(`${apiBaseUrl}${path}`);
    if (!response.ok) throw new Error(`GET ${path} answered ${response.status}`);
    return (await response.json()) as T;
  };
  return {
    devices: () => get<DeviceState[]>('/devices?history=30'),
    device: (id: string) => get<DeviceState>(`/devices/${encodeURIComponent(id)}`),
    rejections: (id: string) =>
      get<Rejection[]>(`/rejections?deviceId=${encodeURIComponent(id)}&limit=20`),
    recentRejections: () => get<Rejection[]>('/rejections?limit=20'),
    /** Whether an optional feature's API answers, and what it says. */
    probe: async (path: string): Promise<unknown[] | undefined> => {
      try {
        const response = await fetchImpl(`${apiBaseUrl}${path}`);
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
