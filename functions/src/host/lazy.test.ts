import { describe, expect, it } from 'vitest';
import { lazy } from './lazy';

describe('lazy', () => {
  it('makes the value once, on first use, and shares it', async () => {
    let made = 0;
    const value = lazy(async () => ++made);
    expect(made).toBe(0);
    expect(await Promise.all([value(), value()])).toEqual([1, 1]);
    expect(await value()).toBe(1);
  });

  it('forgets a failed attempt, so the next call tries again', async () => {
    let calls = 0;
    const value = lazy(async () => {
      calls++;
      if (calls === 1) throw new Error('storage down');
      return 'ready';
    });
    await expect(value()).rejects.toThrow('storage down');
    expect(value.peek()).toBeUndefined();
    expect(await value()).toBe('ready');
    value.reset();
    expect(await value()).toBe('ready');
    expect(calls).toBe(3);
  });
});
