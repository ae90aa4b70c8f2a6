import { createHash } from 'node:crypto';
import { AppError } from '../host/appError';
import type { FeedPositions } from './eventFeed';

/**
 * An opaque continuation token: every partition's position, base64url-encoded with a checksum so
 * that a token edited or cut short is refused. Positions are not secrets; the checksum makes a
 * token tamper-evident, not unforgeable.
 */
export function encodeContinuation(positions: FeedPositions): string {
  const payload = Buffer.from(JSON.stringify({ v: 1, p: positions })).toString('base64url');
  return `${payload}.${checksum(payload)}`;
}

export function decodeContinuation(token: string, partitionIds: readonly string[]): FeedPositions {
  const invalid = () =>
    new AppError(
      'bad_request',
      'the continuation token is not one this feed issued; start again without "after"',
    );
  const [payload, sum, extra] = token.split('.');
  if (!payload || !sum || extra !== undefined || checksum(payload) !== sum) throw invalid();
  let parsed: { v?: unknown; p?: unknown };
  try {
    parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (parsed.v !== 1 || typeof parsed.p !== 'object' || parsed.p === null) throw invalid();
  const positions: Record<string, number> = {};
  for (const [partition, sequence] of Object.entries(parsed.p)) {
    if (
      !partitionIds.includes(partition) ||
      !Number.isInteger(sequence) ||
      (sequence as number) < -1
    )
      throw invalid();
    positions[partition] = sequence as number;
  }
  return positions;
}

function checksum(payload: string): string {
  return createHash('sha256').update(`fieldline-feed:${payload}`).digest('hex').slice(0, 16);
}
