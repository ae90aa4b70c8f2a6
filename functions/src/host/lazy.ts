/** A value made on first use and shared by every later call; see {@link lazy}. */
export interface Lazy<T> {
  (): Promise<T>;
  /** The attempt in progress or made, if any (and not failed); does not start one. */
  peek(): Promise<T> | undefined;
  /** Forgets the value, so the next call makes a new one. */
  reset(): void;
}

/**
 * Makes the value on the first call and hands every later call the same promise. A failed attempt
 * (storage or a database down at start) is forgotten, so the next call tries again rather than
 * every call failing with the first error.
 */
export function lazy<T>(create: () => Promise<T>): Lazy<T> {
  let current: Promise<T> | undefined;
  const get = () => {
    if (current) return current;
    const attempt = create();
    current = attempt;
    attempt.catch(() => {
      if (current === attempt) current = undefined;
    });
    return attempt;
  };
  return Object.assign(get, {
    peek: () => current,
    reset: () => {
      current = undefined;
    },
  });
}
