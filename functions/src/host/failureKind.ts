import { storageStatus } from '../storage/tableQueries';

/** A failure retrying cannot fix: the same input fails the same way every time. */
export class PermanentFailure extends Error {
  override readonly name = 'PermanentFailure';
}

/**
 * Transient failures (throttling, timeouts, network errors, a server error, conflicts left when the
 * ETag loop gives up) are retried: the handler throws and its retry policy pauses the partition.
 * Permanent ones (storage's 400 and 413: a key, property or entity over the limits, bad input) can
 * only be set aside. Unknown failures count as transient: pausing loses nothing.
 */
export function isPermanent(error: unknown): boolean {
  if (error instanceof PermanentFailure) return true;
  const status = storageStatus(error);
  return status === 400 || status === 413;
}
