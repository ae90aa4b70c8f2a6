import type { Track } from '../../functions/src/hosting';

const syllables = [
  'ka',
  'lo',
  'mi',
  'ra',
  'ven',
  'tor',
  'sa',
  'lin',
  'da',
  'mor',
  'el',
  'vi',
  'an',
  'zu',
  'ber',
  'ny',
  'co',
  'rey',
  'fa',
  'ton',
];
const titleWords = [
  'midnight',
  'blue',
  'city',
  'river',
  'golden',
  'heart',
  'electric',
  'summer',
  'rain',
  'fire',
  'dream',
  'shadow',
  'light',
  'dance',
  'ocean',
  'echo',
  'silver',
  'road',
  'night',
  'love',
  'storm',
  'glass',
  'wild',
  'home',
  'paper',
  'satellite',
  'velvet',
  'neon',
  'winter',
  'morning',
  'stone',
  'radio',
  'garden',
  'highway',
  'crystal',
  'thunder',
  'honey',
  'ghost',
  'northern',
  'lights',
];
const genres = [
  'rock',
  'pop',
  'jazz',
  'electronic',
  'hip hop',
  'folk',
  'soul',
  'classical',
  'reggae',
  'blues',
  'metal',
  'indie',
  'synthpop',
  'trip hop',
  'country',
  'funk',
];

/**
 * A deterministic catalog: the same `seed` gives the same tracks, so benchmarks and demos can name
 * what they search for. Artists have several tracks and a couple of genres; years lean recent;
 * popularity is skewed, as catalogs are.
 */
export function* generateTracks(count: number, random: () => number): Generator<Track> {
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)] as T;
  const word = () =>
    Array.from({ length: 2 + Math.floor(random() * 2) }, () => pick(syllables)).join('');
  const capital = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
  const artists = Array.from({ length: Math.max(1, Math.ceil(count / 12)) }, () => ({
    name: random() < 0.3 ? `The ${capital(word())}s` : `${capital(word())} ${capital(word())}`,
    genres: [pick(genres), pick(genres)],
    from: 1950 + Math.floor(random() * 70),
  }));
  for (let i = 0; i < count; i++) {
    const artist = pick(artists);
    const title = Array.from({ length: 1 + Math.floor(random() * 3) }, () =>
      capital(pick(titleWords)),
    ).join(' ');
    yield {
      id: `trk${String(i).padStart(7, '0')}`,
      title,
      artist: artist.name,
      album: `${capital(pick(titleWords))} ${capital(pick(titleWords))}`,
      genres: [...new Set(artist.genres)],
      year: Math.min(2025, artist.from + Math.floor(random() * random() * 30)),
      durationSeconds: 120 + Math.floor(random() * 300),
      popularity: Math.floor(100 * random() ** 3),
    };
  }
}
