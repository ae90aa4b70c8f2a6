import { describe, expect, it } from 'vitest';
import { broadcastInChunks } from './signalRMessage';

describe('broadcastInChunks', () => {
  it('sends nothing for no items and one message for a normal batch', () => {
    expect(broadcastInChunks('deviceState', [])).toEqual([]);
    expect(broadcastInChunks('deviceState', [{ a: 1 }, { a: 2 }])).toEqual([
      { target: 'deviceState', arguments: [[{ a: 1 }, { a: 2 }]] },
    ]);
  });

  it('splits so that no message exceeds the limit, keeping every item once and in order', () => {
    const items = Array.from({ length: 50 }, (_, i) => ({ i, pad: 'x'.repeat(90) }));
    const messages = broadcastInChunks('deviceState', items, 1000);
    expect(messages.length).toBeGreaterThan(1);
    for (const message of messages)
      expect(JSON.stringify(message.arguments[0]).length).toBeLessThanOrEqual(1000);
    expect(messages.flatMap((message) => message.arguments[0] as unknown[])).toEqual(items);
  });
});
