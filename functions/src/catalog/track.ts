import { freeTextProblem, hasUnprintable } from '../host/freeText';
/** A track of the catalog, as stored in MongoDB (`catalog`, `_id` = id) and indexed for search. */
export interface Track {
  readonly id: string;
  readonly title: string;
  readonly artist: string;
  readonly album: string;
  readonly genres: readonly string[];
  readonly year: number;
  readonly durationSeconds: number;
  readonly popularity: number;
}

/** A track's fields, in the order files (CSV columns) list them. */
export const trackFields = [
  'id',
  'title',
  'artist',
  'album',
  'genres',
  'year',
  'durationSeconds',
  'popularity',
] as const;

export const trackIdPattern = /^[A-Za-z0-9_-]{1,64}$/;
export const trackLimits = {
  text: 200,
  genres: 10,
  genre: 40,
  minYear: 1900,
  maxYear: 2100,
  maxDurationSeconds: 6 * 60 * 60,
} as const;

export type ParsedTrack = { ok: true; track: Track } | { ok: false; problems: string[] };

/**
 * A track as `PUT /api/catalog/{id}` and the importer take it, checked field by field; every
 * problem is named (`year must be a whole number from 1900 to 2100`).
 */
export function parseTrack(id: string, input: unknown): ParsedTrack {
  const problems: string[] = [];
  if (!trackIdPattern.test(id)) problems.push('id must be 1-64 letters, digits, _ or -');
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    return { ok: false, problems: [...problems, 'the track must be a JSON object'] };
  const fields = input as Record<string, unknown>;
  const text = (name: string, required: boolean) => {
    const value = fields[name];
    if (value === undefined && !required) return '';
    if (typeof value !== 'string' || value.trim() === '' || value.length > trackLimits.text) {
      problems.push(`${name} must be text of 1-${trackLimits.text} characters`);
      return '';
    }
    const unprintable = freeTextProblem(name, value);
    if (unprintable) {
      problems.push(unprintable);
      return '';
    }
    return value.trim();
  };
  const whole = (name: string, min: number, max: number, fallback?: number) => {
    const value = fields[name] ?? fallback;
    if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max}`);
      return min;
    }
    return value as number;
  };
  const genresValue = fields.genres ?? [];
  const genresValid =
    Array.isArray(genresValue) &&
    genresValue.length <= trackLimits.genres &&
    genresValue.every(
      (g) =>
        typeof g === 'string' &&
        g.trim() !== '' &&
        g.length <= trackLimits.genre &&
        !hasUnprintable(g),
    );
  if (!genresValid)
    problems.push(
      `genres must be a list of at most ${trackLimits.genres} names of 1-${trackLimits.genre} characters, without control or format characters`,
    );
  const genres = genresValid
    ? [...new Set((genresValue as string[]).map((g) => g.trim().toLowerCase()))]
    : [];
  const track: Track = {
    id,
    title: text('title', true),
    artist: text('artist', true),
    album: text('album', false),
    genres,
    year: whole('year', trackLimits.minYear, trackLimits.maxYear),
    durationSeconds: whole('durationSeconds', 1, trackLimits.maxDurationSeconds),
    popularity: whole('popularity', 0, 100, 0),
  };
  for (const name of Object.keys(fields))
    if (!(trackFields as readonly string[]).includes(name))
      problems.push(`${name} is not a field of a track`);
  if (fields.id !== undefined && fields.id !== id) problems.push(`id in the body must be ${id}`);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, track };
}
