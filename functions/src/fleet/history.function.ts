import { AppError } from '../host/appError';
import type { HttpFunctionDefinition } from '../host/functionDefinition';
import { routeDeviceId } from '../host/http';
import type { HistoryPoint } from '../telemetry/deviceState';
import {
  bucketCsvRow,
  csvMetricColumns,
  historyBuckets,
  maxJsonBuckets,
  parseHistoryRange,
} from './deviceHistory';
import type { FleetDeps } from './fleetDeps';
import type { HistoryBucket, HistoryInterval } from './rollups';

/** A device's history: as JSON buckets or raw points, and as a streamed CSV export. */
export function createHistoryFunctions(
  deps: Pick<FleetDeps, 'deviceStates' | 'historyRetentionDays' | 'now'>,
): HttpFunctionDefinition[] {
  const now = deps.now ?? Date.now;
  return [
    {
      kind: 'http',
      name: 'getDeviceHistory',
      route: 'devices/{id}/history',
      methods: ['GET'],
      access: { kind: 'roles', anyOf: ['Fleet.Read'] },
      handler: async (request) => {
        const deviceId = routeDeviceId(request);
        const range = parseHistoryRange(request.query, deps.historyRetentionDays, now());
        const base = {
          deviceId,
          from: new Date(range.from).toISOString(),
          to: new Date(range.to).toISOString(),
          interval: range.interval,
        };
        if (range.interval === 'raw')
          return { jsonBody: { ...base, points: await rawPoints(deps, deviceId, range, now()) } };
        const buckets: HistoryBucket[] = [];
        for await (const bucket of historyBuckets(deps.deviceStates, deviceId, {
          ...range,
          interval: range.interval,
        })) {
          buckets.push(bucket);
          if (buckets.length > maxJsonBuckets)
            throw new AppError(
              'validation_failed',
              `more than ${maxJsonBuckets} buckets: choose a coarser interval or a shorter range, or use history.csv`,
            );
        }
        return { jsonBody: { ...base, buckets } };
      },
    },
    {
      kind: 'http',
      name: 'exportDeviceHistory',
      route: 'devices/{id}/history.csv',
      methods: ['GET'],
      access: { kind: 'roles', anyOf: ['Fleet.Read'] },
      handler: async (request) => {
        const deviceId = routeDeviceId(request);
        const range = parseHistoryRange(request.query, deps.historyRetentionDays, now());
        const lines =
          range.interval === 'raw'
            ? rawCsv(await rawPoints(deps, deviceId, range, now()))
            : bucketCsv(
                historyBuckets(deps.deviceStates, deviceId, {
                  ...range,
                  interval: range.interval as HistoryInterval,
                }),
              );
        const encoder = new TextEncoder();
        const iterator = lines[Symbol.asyncIterator]();
        // Pulled a line at a time: a long range is never held whole.
        const body = new ReadableStream<Uint8Array>({
          async pull(controller) {
            const next = await iterator.next();
            if (next.done) controller.close();
            else controller.enqueue(encoder.encode(`${next.value}\n`));
          },
        });
        return {
          status: 200,
          headers: {
            'content-type': 'text/csv; charset=utf-8',
            'content-disposition': `attachment; filename="${encodeURIComponent(deviceId)}-history-${range.interval}.csv"`,
          },
          body,
        };
      },
    },
  ];
}

/** The readings the device's state still holds from the last hour, within the range. */
async function rawPoints(
  deps: Pick<FleetDeps, 'deviceStates'>,
  deviceId: string,
  range: { from: number; to: number },
  now: number,
) {
  const state = await deps.deviceStates.get(deviceId);
  const from = Math.max(range.from, now - 3_600_000);
  return (state?.history ?? []).filter((point) => {
    const t = Date.parse(point.t);
    return t >= from && t < range.to;
  });
}

async function* bucketCsv(buckets: AsyncIterable<HistoryBucket>): AsyncGenerator<string> {
  yield ['bucket_start', ...csvMetricColumns].join(',');
  for await (const bucket of buckets) yield bucketCsvRow(bucket);
}

async function* rawCsv(points: readonly HistoryPoint[]): AsyncGenerator<string> {
  yield 'time,seq,temperature,humidity,pressure,light';
  for (const p of points)
    yield [p.t, p.seq, p.temperature ?? '', p.humidity ?? '', p.pressure ?? '', p.light ?? ''].join(
      ',',
    );
}
