import type { FieldDefinition, IndexDefinition } from './indexSchema';

export interface Postings {
  /** term -> document key -> positions */
  readonly terms: Map<string, Map<string, number[]>>;
  readonly lengths: Map<string, number>;
}

/** What the query stages read of an index: documents, postings per searchable field, the schema. */
export interface IndexContents {
  readonly definition: IndexDefinition;
  readonly key: string;
  readonly fields: ReadonlyMap<string, FieldDefinition>;
  readonly documents: ReadonlyMap<string, Record<string, unknown>>;
  readonly postings: ReadonlyMap<string, Postings>;
}

export function textsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

/** Damerau-free Levenshtein distance ≤ max, stopping early. */
export function withinEdits(a: string, b: string, max: number): boolean {
  if (Math.abs(a.length - b.length) > max) return false;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const value = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + cost,
      );
      current.push(value);
      best = Math.min(best, value);
    }
    if (best > max) return false;
    previous = current;
  }
  return (previous[b.length] as number) <= max;
}
