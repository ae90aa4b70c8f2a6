import { describe, expect, it } from 'vitest';
import { parseTelemetryBody } from './telemetryParser';

const limits = { maxMessageBytes: 1024, maxReadingsPerMessage: 3 };
const parse = (body: unknown) => parseTelemetryBody(body, limits);

describe('parseTelemetryBody', () => {
  it('reads the Raspberry Pi web simulator message unchanged', () => {
    const body = {
      messageId: 12,
      deviceId: 'Raspberry Pi Web Client',
      temperature: 24.58,
      humidity: 71.2,
    };
    expect(parse(body).readings).toEqual([{ temperature: 24.58, humidity: 71.2 }]);
  });

  it("reads the seed's spellings", () => {
    expect(parse({ Celsius: 20, Humidity: 50, hPa: 1000 }).readings).toEqual([
      { temperature: 20, humidity: 50, pressure: 1000 },
    ]);
  });

  it('reads bytes, strings and arrays of readings', () => {
    const text = JSON.stringify([{ temperature: 1 }, { light: 0 }]);
    expect(parse(Buffer.from(text)).readings).toEqual([{ temperature: 1 }, { light: 0 }]);
    expect(parse(text).readings).toEqual([{ temperature: 1 }, { light: 0 }]);
  });

  it('keeps 0 as a value', () => {
    expect(parse({ temperature: 0, humidity: 0.0 }).readings).toEqual([
      { temperature: 0, humidity: 0 },
    ]);
  });

  it.each([
    ['{"temperature":', 'malformed_json'],
    [null, 'malformed_json'],
    [{ temperature: '20' }, 'wrong_type'],
    [{ temperature: null }, 'wrong_type'],
    [[7], 'wrong_type'],
    [{ note: 'x'.repeat(2000) }, 'too_large'],
    [[{ light: 1 }, { light: 2 }, { light: 3 }, { light: 4 }], 'too_large'],
    [[], 'no_measurements'],
    [{ status: 'ok' }, 'no_measurements'],
  ])('rejects %j as %s', (body, reason) => {
    const result = parse(body);
    expect(result.readings).toEqual([]);
    expect(result.problems.map((problem) => problem.reason)).toEqual([reason]);
    expect(result.problems[0]?.message).not.toBe('');
  });

  it('keeps the good readings of a partly bad array', () => {
    const result = parse([{ temperature: 5 }, 'x', { humidity: 'wet' }]);
    expect(result.readings).toEqual([{ temperature: 5 }]);
    expect(result.problems.map((problem) => problem.reason)).toEqual(['wrong_type', 'wrong_type']);
  });
});
