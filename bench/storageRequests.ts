import type { PipelineRequest } from '@azure/core-rest-pipeline';
import { tableNames } from '../functions/src/settings/settingNames';
import type { PipelinePolicies } from '../functions/src/storage/tableClientFactory';

/** Where an ingest's Table requests go. */
export const requestKinds = [
  /** Entity-group transactions that write device state. */
  'transactions',
  /** Queries for device states the cache does not hold (a new device, or a new instance). */
  'coldReads',
  /** Reads of the calibration table. */
  'calibration',
  /** Writes and reads of kept rejections. */
  'rejections',
  /** Anything else, such as creating a table on first use. */
  'other',
] as const;

export type RequestKind = (typeof requestKinds)[number];

/**
 * Counts every Table request a client sends, retries included, by kind. The kind comes from the
 * URL: a transaction names its table only inside its body, so its sub-requests are read too.
 */
export function countStorageRequests() {
  const counts = Object.fromEntries(requestKinds.map((kind) => [kind, 0])) as Record<
    RequestKind,
    number
  >;
  const policies: PipelinePolicies = [
    {
      position: 'perRetry',
      policy: {
        name: 'countStorageRequestsByKind',
        sendRequest: (request, next) => {
          counts[kindOf(request)]++;
          return next(request);
        },
      },
    },
  ];
  return {
    policies,
    counts,
    total: () => requestKinds.reduce((sum, kind) => sum + counts[kind], 0),
    reset: () => {
      for (const kind of requestKinds) counts[kind] = 0;
    },
  };
}

function kindOf(request: PipelineRequest): RequestKind {
  const path = new URL(request.url).pathname;
  const table =
    path.endsWith('/$batch') && typeof request.body === 'string'
      ? /\/([A-Za-z][A-Za-z0-9]*)(?:\(|\s|\?)/.exec(
          request.body.split('\r\n').find((line) => / HTTP\/1\.1$/.test(line)) ?? '',
        )?.[1]
      : /\/([A-Za-z][A-Za-z0-9]*)(?:\(|$)/.exec(path)?.[1];
  if (table === tableNames.rejections) return 'rejections';
  if (table === tableNames.calibration) return 'calibration';
  if (table === tableNames.deviceState)
    return path.endsWith('/$batch')
      ? 'transactions'
      : request.method === 'GET'
        ? 'coldReads'
        : 'other';
  return 'other';
}
