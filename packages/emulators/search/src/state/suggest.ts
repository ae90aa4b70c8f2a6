import { parseFilter } from '../protocol/searchFilter';
import { analyze } from './analyzer';
import { SearchRequestError, selectFields } from './indexSchema';
import { type IndexContents, textsOf } from './postings';

export interface SuggestOptions {
  readonly search: string;
  readonly suggesterName: string;
  readonly filter?: string;
  readonly select?: readonly string[];
  readonly top: number;
}

/** Suggestions: documents with a word in a source field starting with the text's last word. */
export function suggest(index: IndexContents, options: SuggestOptions): Record<string, unknown>[] {
  const suggester = index.definition.suggesters?.find((s) => s.name === options.suggesterName);
  if (!suggester)
    throw new SearchRequestError(`the index has no suggester named '${options.suggesterName}'`);
  const words = analyze(options.search).map((t) => t.term);
  if (options.search.trim().length < 1 || words.length === 0)
    throw new SearchRequestError('suggest needs search text of at least one character');
  const filter = options.filter
    ? parseFilter(options.filter, (name) => index.fields.get(name)?.filterable === true)
    : undefined;
  const last = words.at(-1) as string;
  const before = words.slice(0, -1);
  const results: Record<string, unknown>[] = [];
  for (const [key, document] of index.documents) {
    if (filter && !filter(document)) continue;
    const text = suggester.sourceFields
      .flatMap((field) => textsOf(document[field]))
      .find((value) => {
        const terms = analyze(value).map((t) => t.term);
        return (
          before.every((word) => terms.includes(word)) && terms.some((t) => t.startsWith(last))
        );
      });
    if (text === undefined) continue;
    results.push({
      '@search.text': text,
      [index.key]: key,
      ...selectFields(index.definition, document, options.select),
    });
    if (results.length >= options.top) break;
  }
  return results;
}
