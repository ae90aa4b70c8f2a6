export type BenchmarkFigures = Record<string, number | boolean>;

export interface BenchmarkContext {
  /** A fast smoke run: small sizes, same code paths. Nothing is asserted about speed either way. */
  readonly quick: boolean;
  /**
   * `--rtt <ms>`: the round trip to add to every request the function code sends to storage,
   * SignalR and MongoDB. Absent, each benchmark uses its own (ingest measures several).
   */
  readonly rttMs?: number;
  /** Figures of the benchmarks that ran before this one, by their full names. */
  readonly figures: Readonly<BenchmarkFigures>;
  readonly log: (line: string) => void;
}

export interface Benchmark {
  readonly name: string;
  readonly description: string;
  /** Benchmarks whose figures this one reads; they run first, even when not selected. */
  readonly needs?: readonly string[];
  run(context: BenchmarkContext): Promise<BenchmarkFigures>;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** The p-th percentile (nearest rank) of `values`, in any order; NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return (
    sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN
  );
}
