import { describe, expect, it } from 'vitest';
import type { Calibration } from './calibration';
import { applyDelta, type DeviceDelta, type DeviceState } from './deviceState';
import type { AppliedDeviceState } from './deviceStateStore';
import type { Rejection } from './rejection';
import { createTelemetryIngestor, type TelemetryMessage } from './telemetryIngestor';

/** The device-state store in memory: one row per hub partition and device, as the table keeps them. */
function memoryDeviceStates() {
  const rows = new Map<string, DeviceState>();
  const calls: DeviceDelta[][] = [];
  return {
    rows,
    calls,
    async apply(deltas: readonly DeviceDelta[]): Promise<AppliedDeviceState[]> {
      calls.push([...deltas]);
      return deltas.map((delta) => {
        const key = `${delta.partitionId}/${delta.deviceId}`;
        const result = applyDelta(rows.get(key), delta, 5);
        rows.set(key, result.state);
        return { ...result, partitionId: delta.partitionId };
      });
    },
  };
}

function setup(calibrations: Record<string, Calibration> = {}) {
  const deviceStates = memoryDeviceStates();
  const saved: Rejection[][] = [];
  const order: string[] = [];
  const ingestor = createTelemetryIngestor({
    deviceStates: {
      apply: (deltas) => {
        order.push('apply');
        return deviceStates.apply(deltas);
      },
    },
    calibrations: {
      getMany: async (ids) => new Map([...ids].map((id) => [id, calibrations[id]])),
    },
    rejections: {
      save: async (rejections) => {
        order.push('rejections');
        saved.push([...rejections]);
      },
    },
    limits: { maxMessageBytes: 1024, maxReadingsPerMessage: 3 },
  });
  return { ingestor, deviceStates, saved, order };
}

let sequence = 0;
function message(deviceId: string | undefined, body: unknown, partitionId = '0'): TelemetryMessage {
  const n = sequence++;
  return {
    deviceId,
    body,
    partitionId,
    sequenceNumber: n,
    enqueuedTime: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
  };
}

describe('the telemetry ingestor, in memory', () => {
  it('coalesces a batch into one delta per device, in hub order', async () => {
    const { ingestor, deviceStates } = setup();
    const batch = [
      message('a', { temperature: 1 }),
      message('b', { temperature: 2 }),
      message('a', { temperature: 3 }),
    ];
    const result = await ingestor.ingest(batch);
    expect(deviceStates.calls).toHaveLength(1);
    expect(deviceStates.calls[0]?.map((d) => [d.deviceId, d.messages.length])).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
    expect(result.accepted).toBe(3);
    expect(result.updates.find((u) => u.deviceId === 'a')).toMatchObject({
      temperature: 3,
      count: 2,
    });
  });

  it('applies a redelivered batch once, and re-sends the same readings', async () => {
    const { ingestor, deviceStates } = setup();
    const batch = [message('a', { temperature: 1 }), message('a', { temperature: 2 })];
    const first = await ingestor.ingest(batch);
    const again = await ingestor.ingest(batch);
    expect(deviceStates.rows.get('0/a')?.count).toBe(2);
    expect(again.updates).toEqual(first.updates);
    // The same messages from another partition are other messages: the watermark is per partition.
    await ingestor.ingest(batch.map((m) => ({ ...m, partitionId: '1' })));
    expect(deviceStates.rows.get('1/a')?.count).toBe(2);
  });

  it('calibrates before validating, with inclusive bounds', async () => {
    const { ingestor, saved } = setup({ a: { temperature: { slope: 2, intercept: -40 } } });
    const result = await ingestor.ingest([
      message('a', { temperature: 60 }), // 80: the upper bound, kept
      message('a', { temperature: 60.5 }), // 81: out of range
      message('b', { temperature: 60.5 }), // not calibrated: kept
    ]);
    expect(result.accepted).toBe(2);
    expect(saved.flat().map((r) => [r.deviceId, r.reason])).toEqual([['a', 'out_of_range']]);
    expect(result.updates.find((u) => u.deviceId === 'a')).toMatchObject({
      temperature: 80,
      rejected: 1,
    });
  });

  it('keeps every rejection with its reason before any state is written, and never throws on bad input', async () => {
    const { ingestor, saved, order } = setup();
    const result = await ingestor.ingest([
      message(undefined, { temperature: 1 }),
      message('a', '{not json'),
      message('a', { temperature: 'warm' }),
      message('a', { colour: 'red' }),
      message('a', [
        { temperature: 1 },
        { temperature: 2 },
        { temperature: 3 },
        { temperature: 4 },
      ]),
      message('a', { temperature: 'x'.repeat(2000) }),
    ]);
    expect(saved.flat().map((r) => r.reason)).toEqual(
      expect.arrayContaining([
        'missing_device_id',
        'malformed_json',
        'wrong_type',
        'no_measurements',
        'too_large',
      ]),
    );
    expect(result.rejections).toEqual(saved.flat());
    expect(order).toEqual(['rejections', 'apply']);
  });
});
