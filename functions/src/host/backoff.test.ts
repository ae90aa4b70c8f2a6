import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff';

describe('backoffDelay', () => {
  it('grows exponentially from the base and never passes the cap', () => {
    const options = { baseMs: 10, capMs: 100 };
    expect(backoffDelay(0, { ...options, random: () => 1 })).toBe(10);
    expect(backoffDelay(2, { ...options, random: () => 1 })).toBe(40);
    expect(backoffDelay(20, { ...options, random: () => 1 })).toBe(100);
    expect(backoffDelay(20, { ...options, random: () => 0 })).toBe(10);
  });

  it('spreads retries across the window', () => {
    const delays = new Set(
      Array.from({ length: 50 }, () => Math.round(backoffDelay(5, { baseMs: 10, capMs: 1000 }))),
    );
    expect(delays.size).toBeGreaterThan(10);
    for (const delay of delays) expect(delay).toBeGreaterThanOrEqual(10);
    for (const delay of delays) expect(delay).toBeLessThanOrEqual(320);
  });
});
