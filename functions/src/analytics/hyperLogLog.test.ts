import { describe, expect, it } from 'vitest';
import { HyperLogLog } from './hyperLogLog';

describe('HyperLogLog', () => {
  it('estimates 100,000 distinct ids within 2%, in a fixed size', () => {
    const sketch = HyperLogLog.empty();
    for (let i = 0; i < 100_000; i++) sketch.add(`user-${i}`);
    // Every id again: duplicates change nothing.
    for (let i = 0; i < 100_000; i += 7) sketch.add(`user-${i}`);
    expect(Math.abs(sketch.estimate() - 100_000) / 100_000).toBeLessThan(0.02);
    expect(sketch.serialize().length).toBe(HyperLogLog.empty().serialize().length);
  });

  it('is exact enough for small counts, and round-trips through its text form', () => {
    const sketch = HyperLogLog.empty();
    for (const id of ['a', 'b', 'c', 'a']) sketch.add(id);
    expect(sketch.estimate()).toBe(3);
    expect(HyperLogLog.parse(sketch.serialize()).estimate()).toBe(3);
    expect(HyperLogLog.parse('not a sketch').estimate()).toBe(0);
  });

  it('merges minutes into the distinct count of their union', () => {
    const first = HyperLogLog.empty();
    const second = HyperLogLog.empty();
    for (let i = 0; i < 30_000; i++) first.add(`u${i}`);
    for (let i = 20_000; i < 50_000; i++) second.add(`u${i}`);
    first.merge(second);
    expect(Math.abs(first.estimate() - 50_000) / 50_000).toBeLessThan(0.02);
  });
});
