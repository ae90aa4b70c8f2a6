import { type Freshness, freshnessOf } from './format';
import type { DeviceState, HistoryPoint, MeasurementName } from './telemetryTypes';

export const historyLimit = 120;

export interface DeviceView extends DeviceState {
  /** Bumped on every change, so views can skip rows that did not change. */
  readonly version: number;
}

export type SortKey = 'deviceId' | 'status' | 'lastSeen' | MeasurementName;

export interface ListQuery {
  readonly filter: string;
  /** Only devices with this tag; '' for all. */
  readonly tag?: string;
  readonly status: Freshness | 'all';
  readonly sort: SortKey;
  readonly descending: boolean;
}

/**
 * The dashboard's device state: a snapshot from the API merged with live `deviceState` updates.
 * Updates carry only the readings their batch added; a re-sent update (after a redelivery) is
 * merged without duplicating history, and an update older than what is shown never rolls it back.
 */
export class DeviceStore {
  private readonly devices = new Map<string, DeviceView>();

  get size(): number {
    return this.devices.size;
  }

  get(deviceId: string): DeviceView | undefined {
    return this.devices.get(deviceId);
  }

  all(): IterableIterator<DeviceView> {
    return this.devices.values();
  }

  /** Every tag some device has, sorted. */
  tags(): string[] {
    const tags = new Set<string>();
    for (const view of this.devices.values()) for (const tag of view.tags ?? []) tags.add(tag);
    return [...tags].sort();
  }

  /**
   * Merges a snapshot from the API. It can be older than live updates that arrived while it was
   * loading (after a reconnect, say), so it follows the same rule as an update: it never rolls a
   * device back. Devices it does not list yet came in live; devices are never deleted.
   */
  replaceAll(snapshot: readonly DeviceState[]): void {
    this.applyUpdates(snapshot);
  }

  /**
   * Whether live updates show that some were missed: a device's count grew by more than the
   * readings the update carries. Realtime delivery is best effort, so the page then re-reads the API.
   */
  missedBefore(updates: readonly DeviceState[]): boolean {
    return updates.some((update) => {
      const current = this.devices.get(update.deviceId);
      return current !== undefined && update.count - update.history.length > current.count;
    });
  }

  /** Merges live updates or a snapshot; returns the ids that changed. */
  applyUpdates(updates: readonly DeviceState[]): Set<string> {
    const changed = new Set<string>();
    for (const update of updates) {
      const current = this.devices.get(update.deviceId);
      const newer = !current || isNewer(update, current);
      const base = current && !newer ? current : update;
      this.devices.set(update.deviceId, {
        ...base,
        count: Math.max(update.count, current?.count ?? 0),
        rejected: Math.max(update.rejected, current?.rejected ?? 0),
        history: mergeHistory(current?.history ?? [], update.history),
        // Live updates carry no tags; the API's list does, and its tags are the current ones.
        tags: update.tags ?? current?.tags ?? [],
        version: (current?.version ?? 0) + 1,
      });
      changed.add(update.deviceId);
    }
    return changed;
  }

  /** The ids to show, filtered and sorted. */
  query(
    query: ListQuery,
    nowMs: number,
    thresholds: { staleAfterSeconds: number; offlineAfterSeconds: number },
  ): string[] {
    const needle = query.filter.trim().toLowerCase();
    const rows: { id: string; status: Freshness; view: DeviceView }[] = [];
    for (const view of this.devices.values()) {
      if (needle && !view.deviceId.toLowerCase().includes(needle)) continue;
      if (query.tag && !(view.tags ?? []).includes(query.tag)) continue;
      const status = freshnessOf(view.lastSeen, nowMs, thresholds);
      if (query.status !== 'all' && status !== query.status) continue;
      rows.push({ id: view.deviceId, status, view });
    }
    const direction = query.descending ? -1 : 1;
    const rank: Record<Freshness, number> = { live: 0, stale: 1, offline: 2, never: 3 };
    rows.sort((a, b) => {
      let order: number;
      switch (query.sort) {
        case 'deviceId':
          order = a.id.localeCompare(b.id);
          break;
        case 'status':
          order = rank[a.status] - rank[b.status];
          break;
        case 'lastSeen':
          order = (a.view.lastSeen ?? '').localeCompare(b.view.lastSeen ?? '');
          break;
        default: {
          const [x, y] = [a.view[query.sort], b.view[query.sort]];
          // No data sorts last in either direction.
          if (x === null || y === null)
            return x === y ? a.id.localeCompare(b.id) : x === null ? 1 : -1;
          order = x - y;
        }
      }
      return order * direction || a.id.localeCompare(b.id);
    });
    return rows.map((row) => row.id);
  }
}

/** Whether `update` is at least as recent as what is shown: later data, or the same data counted further. */
function isNewer(update: DeviceState, current: DeviceState): boolean {
  const [next, shown] = [update.lastSeen ?? '', current.lastSeen ?? ''];
  return (
    next > shown ||
    (next === shown && update.count + update.rejected >= current.count + current.rejected)
  );
}

/** History points in time order, each reading once, at most {@link historyLimit}. */
export function mergeHistory(
  current: readonly HistoryPoint[],
  incoming: readonly HistoryPoint[],
): HistoryPoint[] {
  if (incoming.length === 0) return current.slice(-historyLimit);
  const key = (p: HistoryPoint) => `${p.t}|${p.seq}`;
  const seen = new Set(current.map(key));
  const merged = [...current];
  let ordered = true;
  for (const point of incoming) {
    if (seen.has(key(point))) continue;
    seen.add(key(point));
    const last = merged.at(-1);
    if (last && point.t < last.t) ordered = false;
    merged.push(point);
  }
  if (!ordered) merged.sort((a, b) => a.t.localeCompare(b.t) || a.seq - b.seq);
  return merged.slice(-historyLimit);
}
