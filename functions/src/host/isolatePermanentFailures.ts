import { isPermanent } from './failureKind';

/**
 * Runs `process` over a batch; when it fails permanently, splits the batch in halves and runs
 * each, down to single items, which go to `setAside` with the error. So one bad item never fails
 * its 99 neighbours, and a transient failure still throws (the retry policy re-runs the batch).
 * `process` must be idempotent per item: a half that already succeeded may run again.
 */
export async function isolatePermanentFailures<T, R>(
  items: readonly T[],
  process: (items: readonly T[]) => Promise<R>,
  setAside: (item: T, error: unknown) => Promise<void>,
): Promise<R[]> {
  try {
    return [await process(items)];
  } catch (error) {
    if (!isPermanent(error)) throw error;
    const [only] = items;
    if (items.length === 1 && only !== undefined) {
      await setAside(only, error);
      return [];
    }
    const middle = Math.ceil(items.length / 2);
    return [
      ...(await isolatePermanentFailures(items.slice(0, middle), process, setAside)),
      ...(await isolatePermanentFailures(items.slice(middle), process, setAside)),
    ];
  }
}
