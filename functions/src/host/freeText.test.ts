import { describe, expect, it } from 'vitest';
import { parseTrack } from '../catalog/track';
import { readProfile } from '../encounters/encounterUser';
import { parseAlarmRule } from '../fleet/alarmRule';
import { parseRoomInvocation } from '../rooms/roomCommands';
import { hasUnprintable, printable } from './freeText';

// A NUL, a zero-width space, a right-to-left override, a lone surrogate: none is text.
const unprintable = ['a\u0000b', 'a\u200bb', '\u202egnp.exe', 'a\ud800b', 'line\nbreak'];

describe('free text', () => {
  it('tells control, format and lone-surrogate characters from text, emoji and accents included', () => {
    for (const value of unprintable)
      expect(hasUnprintable(value), JSON.stringify(value)).toBe(true);
    for (const value of ['Björk', 'Sigur Rós', '🎵 Song', 'Мумий Тролль', 'a b'])
      expect(hasUnprintable(value), value).toBe(false);
    expect(printable('Al\u202eice\u0007')).toBe('Alice');
  });

  it.each(unprintable)('is refused in every free-text field, naming it: %j', (value) => {
    expect(() =>
      parseRoomInvocation('addItem', [
        { roomId: 'r1', title: value, artist: 'A', durationSeconds: 9 },
      ]),
    ).toThrow('addItem.title may not contain control or format characters');
    expect(() => parseRoomInvocation('createRoom', [{ name: value }])).toThrow(
      'createRoom.name may not contain control or format characters',
    );
    const track = parseTrack('t1', {
      title: 'T',
      artist: value,
      year: 2000,
      durationSeconds: 9,
      genres: [value],
    });
    expect(track.ok ? [] : [...track.problems].sort()).toEqual([
      'artist may not contain control or format characters (such as U+0000-U+001F, U+200B or U+202E)',
      'genres must be a list of at most 10 names of 1-40 characters, without control or format characters',
    ]);
    const rule = parseAlarmRule('r1', {
      metric: 'temperature',
      above: 30,
      severity: 'warning',
      description: value,
    });
    expect(rule.ok ? [] : rule.problems).toContainEqual(
      'description may not contain control or format characters (such as U+0000-U+001F, U+200B or U+202E)',
    );
    expect(() => readProfile({ screenName: value, phone: '+447700900123', interests: [] })).toThrow(
      'screenName may not contain control or format characters',
    );
  });
});
