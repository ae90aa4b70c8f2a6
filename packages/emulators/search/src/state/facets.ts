import { SearchRequestError } from './indexSchema';
import type { IndexContents } from './postings';

/** Facet counts over the matched documents, `count:N` and `sort:` as the service reads them. */
export function countFacets(
  index: IndexContents,
  keys: readonly string[],
  specs: readonly string[],
): Record<string, { value: unknown; count: number }[]> {
  const result: Record<string, { value: unknown; count: number }[]> = {};
  for (const spec of specs) {
    const [name = '', ...params] = spec.split(',').map((p) => p.trim());
    if (index.fields.get(name)?.facetable !== true)
      throw new SearchRequestError(`facet: the field '${name}' is not facetable`);
    let count = 10;
    let sortByValue = false;
    for (const param of params) {
      const [option, value] = param.split(':');
      if (option === 'count' && Number.isInteger(Number(value)) && Number(value) > 0)
        count = Number(value);
      else if (
        option === 'sort' &&
        (value === 'value' || value === '-value' || value === 'count' || value === '-count')
      )
        sortByValue = value === 'value';
      else
        throw new SearchRequestError(
          `facet '${spec}': ${param} is not supported here (count:N and sort:value are)`,
        );
    }
    const counts = new Map<unknown, number>();
    for (const key of keys) {
      const value = index.documents.get(key)?.[name];
      for (const item of Array.isArray(value) ? value : [value])
        if (item !== null && item !== undefined) counts.set(item, (counts.get(item) ?? 0) + 1);
    }
    result[name] = [...counts]
      .sort((a, b) =>
        sortByValue
          ? (a[0] as number) < (b[0] as number)
            ? -1
            : 1
          : b[1] - a[1] || String(a[0]).localeCompare(String(b[0])),
      )
      .slice(0, count)
      .map(([value, n]) => ({ value, count: n }));
  }
  return result;
}
