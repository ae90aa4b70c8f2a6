import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalCloud, startLocalCloud } from '../../../dev/localCloud';
import { joinRoomsHub, type RoomMember } from '../../../simulator/roomMember';
import { clientToken, userToken } from '../../../tools/tokens';

let stack: LocalCloud;
let manager: string;
let alice: string;
const members: RoomMember[] = [];

beforeAll(async () => {
  stack = await startLocalCloud({ log: () => undefined });
  manager = await clientToken(stack.endpoints.identity, 'Catalog.Manage');
  alice = await userToken(stack.endpoints.identity, 'alice');
});
afterAll(async () => {
  await Promise.all(members.map((m) => m.stop()));
  await stack?.stop();
});

const api = (path: string, token: string, init: RequestInit = {}) =>
  fetch(`${stack.endpoints.apiBaseUrl}/${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
  });
const put = (id: string, track: Record<string, unknown>) =>
  api(`catalog/${id}`, manager, { method: 'PUT', body: JSON.stringify(track) });
const search = async (query: string) => {
  const response = await api(`catalog/search?${query}`, alice);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};
const ids = (body: Record<string, unknown>) =>
  (body.hits as { track: { id: string } }[]).map((h) => h.track.id).sort();

describe('the catalog and its search, through the local cloud', () => {
  it('writes tracks to the catalog and the index, and finds them with both syntaxes', async () => {
    const tracks = {
      t1: {
        title: 'Midnight City',
        artist: 'M83',
        album: 'Hurry Up',
        genres: ['synthpop'],
        year: 2011,
        durationSeconds: 243,
        popularity: 88,
      },
      t2: {
        title: 'Teardrop',
        artist: 'Massive Attack',
        album: 'Mezzanine',
        genres: ['trip hop'],
        year: 1998,
        durationSeconds: 330,
        popularity: 85,
      },
      t3: {
        title: 'Midnight Train',
        artist: 'Massive Attack',
        album: 'Later',
        genres: ['trip hop'],
        year: 2005,
        durationSeconds: 200,
        popularity: 40,
      },
    };
    for (const [id, track] of Object.entries(tracks))
      expect((await put(id, track)).status).toBe(201);
    expect((await put('t3', { ...tracks.t3, popularity: 41 })).status).toBe(200);
    expect(ids((await search('q=midn*')).body)).toEqual(['t1', 't3']);
    const ranged = await search(
      `syntax=full&q=${encodeURIComponent('artist:"massive attack" AND year:[2000 TO 2010]')}&facets=genres`,
    );
    expect(ids(ranged.body)).toEqual(['t3']);
    expect(ranged.body['@count']).toBe(1);
    expect(ranged.body.facets).toEqual({ genres: [{ value: 'trip hop', count: 1 }] });
    const filtered = await search(
      `q=*&filter=${encodeURIComponent("genres/any(g: g eq 'trip hop')")}&orderby=popularity%20desc`,
    );
    expect((filtered.body.hits as { track: { id: string } }[]).map((h) => h.track.id)).toEqual([
      't2',
      't3',
    ]);
    const suggested = await api('catalog/suggest?q=tear', alice);
    expect(await suggested.json()).toMatchObject({
      suggestions: [
        { text: 'Teardrop', track: { id: 't2', artist: 'Massive Attack', durationSeconds: 330 } },
      ],
    });
    expect((await api('catalog/t2', manager, { method: 'DELETE' })).status).toBe(204);
    expect(ids((await search('q=teardrop')).body)).toEqual([]);
  });

  it('refuses bad tracks, bad queries and callers without the role, naming the problem', async () => {
    const bad = await put('x1', { title: '', artist: 'A', year: 1800, durationSeconds: 0 });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(
      /title must be text.*year must be a whole number from 1900 to 2100.*durationSeconds/,
    );
    expect((await api('catalog/x1', alice, { method: 'PUT', body: '{}' })).status).toBe(403);
    expect((await fetch(`${stack.endpoints.apiBaseUrl}/catalog/search?q=a`)).status).toBe(401);
    const invalid = await search(`syntax=full&q=${encodeURIComponent('artist:(massive')}`);
    expect(invalid.status).toBe(400);
    expect(JSON.stringify(invalid.body)).toMatch(/parenthesis opened at 8 is not closed/);
    const orRange = await search(
      `syntax=full&q=${encodeURIComponent('m83 OR year:[2000 TO 2010]')}`,
    );
    expect(orRange.status).toBe(400);
    expect(JSON.stringify(orRange.body)).toMatch(
      /can only be joined to the rest of the query with AND/,
    );
  });

  it('fills a room item from the catalog by catalogId', async () => {
    const member = await joinRoomsHub(stack.endpoints.apiBaseUrl, alice);
    members.push(member);
    const { roomId } = await member.invoke<{ roomId: string }>('createRoom', { name: 'catalog' });
    await member.invoke('addItem', { roomId, catalogId: 't1' });
    const state = await member.waitFor(roomId, (s) => s.items.length === 1);
    expect(state.items[0]).toMatchObject({
      title: 'Midnight City',
      artist: 'M83',
      durationSeconds: 243,
      catalogId: 't1',
    });
    await expect(member.invoke('addItem', { roomId, catalogId: 'nope' })).rejects.toThrow(
      /^not_found: addItem.catalogId/,
    );
  });

  // Last: it stops the search stand-in.
  it('says a track is saved but not indexed when the index cannot be reached, and how to repair it', async () => {
    await stack.search.stop();
    const response = await put('t9', {
      title: 'Offline',
      artist: 'Nobody',
      year: 2000,
      durationSeconds: 60,
    });
    expect(response.status).toBe(503);
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(
      /track t9 is saved, but the search index could not be updated .*npm run catalog -- reindex/,
    );
  });
});
