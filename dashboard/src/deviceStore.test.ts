import { describe, expect, it } from 'vitest';
import { emptyDeviceState } from '../../functions/src/telemetry/contract';
import { DeviceStore, historyLimit, mergeHistory } from './deviceStore';
import type { DeviceState, HistoryPoint } from './telemetryTypes';

const point = (second: number, temperature: number): HistoryPoint => ({
  t: `2026-11-21T12:00:${String(second).padStart(2, '0')}.000Z`,
  seq: second,
  temperature,
});
const state = (deviceId: string, overrides: Partial<DeviceState> = {}): DeviceState => ({
  ...emptyDeviceState(deviceId),
  ...overrides,
});

describe('DeviceStore', () => {
  it('adds live readings to the snapshot without duplicating a re-sent update', () => {
    const store = new DeviceStore();
    store.replaceAll([
      state('a', { count: 1, temperature: 20, lastSeen: point(1, 20).t, history: [point(1, 20)] }),
    ]);
    const update = state('a', {
      count: 2,
      temperature: 0,
      lastSeen: point(2, 0).t,
      history: [point(2, 0)],
    });
    store.applyUpdates([update]);
    store.applyUpdates([update]);
    expect(store.get('a')).toMatchObject({ count: 2, temperature: 0 });
    expect(store.get('a')?.history.map((p) => p.temperature)).toEqual([20, 0]);
  });

  it('sees a gap when a device counted more than its update carries, and not on a re-send', () => {
    const store = new DeviceStore();
    store.replaceAll([state('a', { count: 1, lastSeen: point(1, 20).t, history: [point(1, 20)] })]);
    const next = state('a', { count: 2, lastSeen: point(2, 21).t, history: [point(2, 21)] });
    expect(store.missedBefore([next])).toBe(false);
    store.applyUpdates([next]);
    expect(store.missedBefore([next])).toBe(false);
    // Reading 3 was sent while the realtime service was down; reading 4 arrives.
    const after = state('a', { count: 4, lastSeen: point(4, 23).t, history: [point(4, 23)] });
    expect(store.missedBefore([after])).toBe(true);
    // A device first seen live has nothing to compare with: the snapshot brings it.
    expect(store.missedBefore([state('b', { count: 9, history: [point(9, 1)] })])).toBe(false);
  });

  it('never rolls a device back to an older update, but keeps its readings', () => {
    const store = new DeviceStore();
    store.applyUpdates([
      state('a', { count: 5, temperature: 25, lastSeen: point(5, 25).t, history: [point(5, 25)] }),
    ]);
    store.applyUpdates([
      state('a', { count: 4, temperature: 24, lastSeen: point(4, 24).t, history: [point(4, 24)] }),
    ]);
    expect(store.get('a')).toMatchObject({ count: 5, temperature: 25 });
    expect(store.get('a')?.history.map((p) => p.seq)).toEqual([4, 5]);
  });

  it('keeps live history across a resync whose snapshot carries less of it', () => {
    const store = new DeviceStore();
    store.applyUpdates([state('a', { history: [point(1, 1), point(2, 2), point(3, 3)] })]);
    store.replaceAll([state('a', { count: 3, history: [point(3, 3)] })]);
    expect(store.get('a')?.history.map((p) => p.seq)).toEqual([1, 2, 3]);
    // Devices never disappear server-side; one the snapshot does not have yet came in live.
    store.replaceAll([]);
    expect(store.size).toBe(1);
  });

  it('does not let a resync snapshot roll back a live update that arrived while it was loading', () => {
    const store = new DeviceStore();
    const snapshotTakenEarlier = [
      state('a', { count: 2, temperature: -3, lastSeen: point(2, -3).t, history: [point(2, -3)] }),
    ];
    store.applyUpdates([
      state('a', {
        count: 3,
        temperature: 33.3,
        lastSeen: point(3, 33.3).t,
        history: [point(3, 33.3)],
      }),
    ]);
    store.replaceAll(snapshotTakenEarlier);
    expect(store.get('a')).toMatchObject({ count: 3, temperature: 33.3 });
    expect(store.get('a')?.history.map((p) => p.seq)).toEqual([2, 3]);
  });

  it('filters and sorts by id, status and reading, with no data last', () => {
    const store = new DeviceStore();
    const now = Date.parse('2026-11-21T12:01:00Z');
    store.replaceAll([
      state('pi-2', { temperature: -5, lastSeen: '2026-11-21T12:00:59Z' }),
      state('pi-10', { temperature: 30, lastSeen: '2026-11-21T12:00:00Z' }),
      state('lab-1', { temperature: null, lastSeen: '2026-11-21T11:00:00Z' }),
    ]);
    const thresholds = { staleAfterSeconds: 30, offlineAfterSeconds: 120 };
    const query = (q: Partial<Parameters<DeviceStore['query']>[0]>) =>
      store.query(
        { filter: '', status: 'all', sort: 'deviceId', descending: false, ...q },
        now,
        thresholds,
      );
    expect(query({})).toEqual(['lab-1', 'pi-10', 'pi-2']);
    expect(query({ filter: 'PI' })).toEqual(['pi-10', 'pi-2']);
    expect(query({ status: 'stale' })).toEqual(['pi-10']);
    expect(query({ sort: 'temperature' })).toEqual(['pi-2', 'pi-10', 'lab-1']);
    expect(query({ sort: 'temperature', descending: true })).toEqual(['pi-10', 'pi-2', 'lab-1']);
    expect(query({ sort: 'status' })).toEqual(['pi-2', 'pi-10', 'lab-1']);
  });
});

describe('mergeHistory', () => {
  it('orders, de-duplicates and bounds readings', () => {
    const many = Array.from({ length: historyLimit + 10 }, (_, i) => ({
      t: new Date(i * 1000).toISOString(),
      seq: i,
    }));
    expect(mergeHistory([], many)).toHaveLength(historyLimit);
    expect(mergeHistory([point(2, 2)], [point(1, 1), point(2, 2)]).map((p) => p.seq)).toEqual([
      1, 2,
    ]);
  });
});
