/**
 * Runs `action` until it succeeds, retrying what `retriable` says may pass later (a role that has
 * not applied yet, throttling), at most `attempts` times with a doubling wait from 2 s up to
 * `capMs`; the last error is thrown as it was.
 */
export async function retryWhile<T>(
  action: () => Promise<T>,
  options: {
    readonly retriable: (error: unknown) => boolean;
    readonly attempts: number;
    readonly capMs: number;
    readonly sleep?: (ms: number) => Promise<void>;
  },
): Promise<T> {
  const sleep =
    options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  for (let attempt = 1; ; attempt++) {
    try {
      return await action();
    } catch (error) {
      if (!options.retriable(error) || attempt >= options.attempts) throw error;
      await sleep(Math.min(options.capMs, 2_000 * 2 ** (attempt - 1)));
    }
  }
}

/** The HTTP status an Azure SDK error carries, if it got that far. */
export function statusOf(error: unknown): number | undefined {
  return (error as { statusCode?: number }).statusCode;
}
