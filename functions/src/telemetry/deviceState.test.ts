import { describe, expect, it } from 'vitest';
import { applyDelta, type DeviceMessage, mergeDeviceStates } from './deviceState';

const message = (
  sequenceNumber: number,
  temperature: number,
  rejectedCount = 0,
): DeviceMessage => ({
  sequenceNumber,
  enqueuedTime: new Date(Date.UTC(2026, 0, 1, 0, 0, sequenceNumber)).toISOString(),
  accepted: [{ temperature }],
  rejectedCount,
});

describe('applyDelta', () => {
  it('creates a state from a first message', () => {
    const { state, changed } = applyDelta(
      undefined,
      { deviceId: 'd', partitionId: '0', messages: [message(5, 0)] },
      10,
    );
    expect(changed).toBe(true);
    expect(state).toMatchObject({
      deviceId: 'd',
      temperature: 0,
      humidity: null,
      count: 1,
      lastSequenceNumbers: { 0: 5 },
    });
  });

  it('skips what a partition already applied, and only that', () => {
    const first = applyDelta(
      undefined,
      { deviceId: 'd', partitionId: '0', messages: [message(1, 1), message(2, 2)] },
      10,
    );
    const again = applyDelta(
      first.state,
      { deviceId: 'd', partitionId: '0', messages: [message(2, 2), message(3, 3)] },
      10,
    );
    expect(again.state.count).toBe(3);
    const replay = applyDelta(
      again.state,
      { deviceId: 'd', partitionId: '0', messages: [message(3, 3)] },
      10,
    );
    expect(replay).toEqual({
      state: again.state,
      changed: false,
      transitions: [],
      finishedRollups: [],
    });
    const otherPartition = applyDelta(
      again.state,
      { deviceId: 'd', partitionId: '1', messages: [message(1, 9)] },
      10,
    );
    expect(otherPartition.state).toMatchObject({
      count: 4,
      temperature: 9,
      lastSequenceNumbers: { 0: 3, 1: 1 },
    });
  });

  it('keeps the last values of measurements a message did not carry', () => {
    const first = applyDelta(
      undefined,
      {
        deviceId: 'd',
        partitionId: '0',
        messages: [{ ...message(1, 5), accepted: [{ temperature: 5, humidity: 30 }] }],
      },
      10,
    );
    const next = applyDelta(
      first.state,
      { deviceId: 'd', partitionId: '0', messages: [message(2, 6)] },
      10,
    );
    expect(next.state).toMatchObject({ temperature: 6, humidity: 30 });
  });

  it('counts rejections and keeps a bounded history', () => {
    const messages = Array.from({ length: 12 }, (_, i) => message(i + 1, i, 1));
    const { state } = applyDelta(undefined, { deviceId: 'd', partitionId: '0', messages }, 5);
    expect(state).toMatchObject({ count: 12, rejected: 12 });
    expect(state.history.map((point) => point.temperature)).toEqual([7, 8, 9, 10, 11]);
  });
});

describe('mergeDeviceStates', () => {
  it('adds up the rows two hub partitions built, with the latest values and one history', () => {
    const before = applyDelta(
      undefined,
      {
        deviceId: 'd',
        partitionId: '0',
        messages: [
          { ...message(1, 1), accepted: [{ temperature: 1, humidity: 30 }] },
          message(2, 2, 1),
        ],
      },
      10,
    ).state;
    // After a hub failover the device's later messages arrive on partition 3.
    const after = applyDelta(
      undefined,
      { deviceId: 'd', partitionId: '3', messages: [message(3, 7), message(4, 8)] },
      10,
    ).state;
    const merged = mergeDeviceStates([after, before], 3);
    expect(merged).toMatchObject({
      deviceId: 'd',
      temperature: 8,
      humidity: 30,
      count: 4,
      rejected: 1,
      lastSeen: after.lastSeen,
      lastSequenceNumbers: { 0: 2, 3: 4 },
    });
    expect(merged.history.map((point) => point.temperature)).toEqual([2, 7, 8]);
    expect(mergeDeviceStates([before], 3)).toBe(before);
  });
});
