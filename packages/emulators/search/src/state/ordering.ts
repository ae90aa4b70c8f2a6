import { SearchRequestError } from './indexSchema';
import type { IndexContents } from './postings';

/** `$orderby`: up to 32 sortable fields or `search.score()`, then score, then key. */
export function orderMatches(
  index: IndexContents,
  matches: [string, number][],
  orderby?: string,
): [string, number][] {
  const clauses = (orderby ?? '')
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '')
    .map((clause) => {
      const [name = '', direction = 'asc', extra] = clause.split(/\s+/);
      if (extra !== undefined || !['asc', 'desc'].includes(direction))
        throw new SearchRequestError(`$orderby: '${clause}' must be a field and asc or desc`);
      if (name !== 'search.score()' && index.fields.get(name)?.sortable !== true)
        throw new SearchRequestError(`$orderby: the field '${name}' is not sortable`);
      return { name, sign: direction === 'desc' ? -1 : 1 };
    });
  if (clauses.length > 32) throw new SearchRequestError('$orderby takes at most 32 clauses');
  const by = [...clauses, { name: 'search.score()', sign: -1 }];
  return matches.sort((a, b) => {
    for (const { name, sign } of by) {
      const x = name === 'search.score()' ? a[1] : index.documents.get(a[0])?.[name];
      const y = name === 'search.score()' ? b[1] : index.documents.get(b[0])?.[name];
      if (x === y) continue;
      // Nulls sort first ascending, as the service does.
      if (x === null || x === undefined) return -sign;
      if (y === null || y === undefined) return sign;
      return ((x as number) < (y as number) ? -1 : 1) * sign;
    }
    return a[0].localeCompare(b[0]);
  });
}
