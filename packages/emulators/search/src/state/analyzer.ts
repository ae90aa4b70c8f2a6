/** One token of analysed text: the term and where it stands, for phrases and highlights. */
export interface Token {
  readonly term: string;
  readonly position: number;
  readonly start: number;
  readonly end: number;
}

/**
 * The standard analyzer, as far as an in-memory stand-in needs it: Unicode letters and digits make
 * words (Lucene's standard tokenizer splits on the rest, keeping apostrophes inside words), and
 * every word is lower-cased. No stop words, as Azure AI Search's `standard.lucene` keeps them.
 */
export function analyze(text: string): Token[] {
  const tokens: Token[] = [];
  for (const match of text.matchAll(/[\p{L}\p{N}]+(?:['’][\p{L}\p{N}]+)*/gu)) {
    tokens.push({
      term: match[0].toLowerCase(),
      position: tokens.length,
      start: match.index,
      end: match.index + match[0].length,
    });
  }
  return tokens;
}
