import { AzureKeyCredential, SearchClient, SearchIndexClient } from '@azure/search-documents';
import { type RunningSearch, startSearchServer } from '@fieldline/search-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tracksIndex } from '../../functions/src/catalog/tracksIndex';

interface Track {
  id: string;
  title: string;
  artist: string;
  album: string;
  genres: string[];
  year: number;
  durationSeconds: number;
  popularity: number;
}

const tracks: Track[] = [
  {
    id: '1',
    title: 'Blue Monday',
    artist: 'New Order',
    album: 'Power, Corruption & Lies',
    genres: ['synthpop', 'dance'],
    year: 1983,
    durationSeconds: 449,
    popularity: 90,
  },
  {
    id: '2',
    title: 'Teardrop',
    artist: 'Massive Attack',
    album: 'Mezzanine',
    genres: ['trip hop'],
    year: 1998,
    durationSeconds: 330,
    popularity: 85,
  },
  {
    id: '3',
    title: 'Blue Lines',
    artist: 'Massive Attack',
    album: 'Blue Lines',
    genres: ['trip hop'],
    year: 1991,
    durationSeconds: 261,
    popularity: 60,
  },
  {
    id: '4',
    title: 'Monday Morning',
    artist: 'Fleetwood Mac',
    album: 'Fleetwood Mac',
    genres: ['rock'],
    year: 1975,
    durationSeconds: 168,
    popularity: 55,
  },
  {
    id: '5',
    title: 'Midnight City',
    artist: 'M83',
    album: 'Hurry Up, We Are Dreaming',
    genres: ['synthpop', 'electronic'],
    year: 2011,
    durationSeconds: 243,
    popularity: 88,
  },
  {
    id: '6',
    title: 'Blue in Green',
    artist: 'Miles Davis',
    album: 'Kind of Blue',
    genres: ['jazz'],
    year: 1959,
    durationSeconds: 337,
    popularity: 70,
  },
];

describe('the search stand-in through @azure/search-documents', () => {
  let search: RunningSearch;
  let indexes: SearchIndexClient;
  let client: SearchClient<Track>;
  beforeAll(async () => {
    search = await startSearchServer(0);
    const credential = new AzureKeyCredential(search.apiKey);
    // The stand-in speaks plain HTTP on loopback; the SDK needs to be told that is intended.
    const insecure = { allowInsecureConnection: true };
    indexes = new SearchIndexClient(search.endpoint, credential, insecure);
    client = new SearchClient<Track>(search.endpoint, 'tracks', credential, insecure);
    await indexes.createOrUpdateIndex(tracksIndex);
    const result = await client.uploadDocuments(tracks);
    expect(result.results.every((r) => r.succeeded)).toBe(true);
  });
  afterAll(() => search?.stop());

  const ids = async (text: string, options: Parameters<SearchClient<Track>['search']>[1] = {}) => {
    const found: string[] = [];
    for await (const hit of (await client.search(text, options)).results)
      found.push(hit.document.id);
    return found.sort();
  };

  it('creates, reads and updates the index idempotently', async () => {
    expect((await indexes.getIndex('tracks')).fields.map((f) => f.name)).toContain('popularity');
    await indexes.createOrUpdateIndex(tracksIndex);
    expect(await client.getDocumentsCount()).toBe(6);
    expect((await client.getDocument('2')).title).toBe('Teardrop');
  });

  it('answers simple-syntax queries: terms, any and all, phrases, prefixes, + | -', async () => {
    expect(await ids('blue')).toEqual(['1', '3', '6']);
    expect(await ids('blue monday')).toEqual(['1', '3', '4', '6']);
    expect(await ids('blue monday', { searchMode: 'all' })).toEqual(['1']);
    expect(await ids('"blue lines"')).toEqual(['3']);
    expect(await ids('mid*')).toEqual(['5']);
    // searchMode any reads `-` as OR NOT (the service's documented behaviour); all as AND NOT.
    expect(await ids('blue -massive')).toEqual(['1', '3', '4', '5', '6']);
    expect(await ids('blue -massive', { searchMode: 'all' })).toEqual(['1', '6']);
    expect(await ids('teardrop | midnight')).toEqual(['2', '5']);
    expect(await ids('blue + attack')).toEqual(['3']);
  });

  it('answers full Lucene queries: fields, boolean operators, fuzzy and boosts', async () => {
    const full = { queryType: 'full' as const };
    expect(await ids('artist:massive', full)).toEqual(['2', '3']);
    expect(await ids('artist:"massive attack" AND title:blue', full)).toEqual(['3']);
    expect(await ids('title:blue NOT artist:davis', full)).toEqual(['1', '3']);
    expect(await ids('title:blu~1', full)).toEqual(['1', '3', '6']);
    expect(await ids('(teardrop OR midnight) && NOT city', full)).toEqual(['2']);
    const boosted: string[] = [];
    for await (const hit of (await client.search('title:blue^5 OR artist:attack', full)).results)
      boosted.push(hit.document.id);
    expect(boosted.slice(0, 3).sort()).toEqual(['1', '3', '6']);
  });

  it('filters, counts, sorts, pages, facets and highlights', async () => {
    const found = await client.search('*', {
      filter: "year ge 1980 and year lt 2000 and genres/any(g: g eq 'trip hop')",
      includeTotalCount: true,
      orderBy: ['year desc'],
      facets: ['genres', 'year,count:2'],
    });
    expect(found.count).toBe(2);
    const ordered: string[] = [];
    for await (const hit of found.results) ordered.push(hit.document.id);
    expect(ordered).toEqual(['2', '3']);
    expect(found.facets?.genres).toEqual([{ value: 'trip hop', count: 2 }]);
    expect(await ids('*', { filter: "search.in(artist, 'M83,Miles Davis', ',')" })).toEqual([
      '5',
      '6',
    ]);
    expect(
      await ids('*', { filter: "not (popularity gt 60) or genres/any(g: g eq 'jazz')" }),
    ).toEqual(['3', '4', '6']);
    const page = await client.search('*', { orderBy: ['popularity desc'], top: 2, skip: 1 });
    const paged: string[] = [];
    for await (const hit of page.results) paged.push(hit.document.id);
    expect(paged).toEqual(['5', '2']);
    const highlighted = await client.search('blue', {
      highlightFields: 'title',
      top: 1,
      orderBy: ['year asc'],
    });
    for await (const hit of highlighted.results)
      expect(hit.highlights?.title).toEqual(['<em>Blue</em> in Green']);
  });

  it('suggests from the suggester’s fields as one types', async () => {
    const suggestions = await client.suggest('midn', 'titles', { select: ['id', 'artist'] });
    expect(suggestions.results.map((s) => [s.text, s.document])).toEqual([
      ['Midnight City', { id: '5', artist: 'M83' }],
    ]);
  });

  it('refuses bad queries and unsupported features with the service’s error shape, naming them', async () => {
    await expect(ids('artist:(massive', { queryType: 'full' })).rejects.toMatchObject({
      statusCode: 400,
      message: expect.stringMatching(/parenthesis opened at 8 is not closed/),
    });
    await expect(ids('year:[2000 TO 2010]', { queryType: 'full' })).rejects.toThrow(
      /range search .* is not supported by Azure AI Search: filter with \$filter/,
    );
    await expect(ids('*', { filter: 'album eq 1' })).rejects.toThrow(/'album' is not filterable/);
    await expect(ids('*', { filter: 'year eq' })).rejects.toThrow(
      /ends where a value was expected/,
    );
    await expect(ids('*', { orderBy: ['title asc'] })).rejects.toThrow(/'title' is not sortable/);
    await expect(ids('*', { scoringProfile: 'fresh' })).rejects.toThrow(
      /'scoringProfile' is not supported by the stand-in/,
    );
    await expect(ids('te?t', { queryType: 'full' })).rejects.toThrow(/only a trailing \*/);
    const wrongKey = new SearchClient(search.endpoint, 'tracks', new AzureKeyCredential('nope'), {
      allowInsecureConnection: true,
    });
    await expect(wrongKey.getDocumentsCount()).rejects.toMatchObject({ statusCode: 403 });
  });

  it('merges, deletes, and reports a merge of a missing document per document', async () => {
    await client.mergeDocuments([{ id: '4', popularity: 99 } as Track]);
    expect((await client.getDocument('4')).popularity).toBe(99);
    await client.deleteDocuments([{ id: '4' } as Track]);
    expect(await ids('monday')).toEqual(['1']);
    const merged = await client.mergeDocuments([{ id: 'missing', popularity: 1 } as Track], {
      throwOnAnyFailure: false,
    });
    expect(merged.results).toEqual([
      expect.objectContaining({ key: 'missing', succeeded: false, statusCode: 404 }),
    ]);
  });
});
