import type { SearchIndex } from '@azure/search-documents';

export const tracksIndexName = 'tracks';
export const trackSuggester = 'titles';

/**
 * The `tracks` index: text fields searchable with the standard analyzer, genres and year for
 * filters and facets, popularity and year for sorting, and a suggester on title and artist.
 * https://learn.microsoft.com/azure/search/search-what-is-an-index
 */
export const tracksIndex: SearchIndex = {
  name: tracksIndexName,
  fields: [
    // Sortable too: the reindex pages through the index in id order.
    { name: 'id', type: 'Edm.String', key: true, filterable: true, sortable: true },
    { name: 'title', type: 'Edm.String', searchable: true, analyzerName: 'standard.lucene' },
    {
      name: 'artist',
      type: 'Edm.String',
      searchable: true,
      filterable: true,
      analyzerName: 'standard.lucene',
    },
    { name: 'album', type: 'Edm.String', searchable: true, analyzerName: 'standard.lucene' },
    { name: 'genres', type: 'Collection(Edm.String)', filterable: true, facetable: true },
    { name: 'year', type: 'Edm.Int32', filterable: true, facetable: true, sortable: true },
    { name: 'durationSeconds', type: 'Edm.Int32', filterable: true },
    { name: 'popularity', type: 'Edm.Int32', filterable: true, sortable: true },
  ],
  suggesters: [
    {
      name: trackSuggester,
      searchMode: 'analyzingInfixMatching',
      sourceFields: ['title', 'artist'],
    },
  ],
};
