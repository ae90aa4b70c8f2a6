import { startAzurite } from '../dev/azurite';
import { historyBuckets } from '../functions/src/fleet/deviceHistory';
import { createServices } from '../functions/src/services';
import { loadConfig } from '../functions/src/settings/config';
import { settingNames } from '../functions/src/settings/settingNames';
import { type Benchmark, median } from './benchmark';
import { countStorageRequests } from './storageRequests';

const hour = 3_600_000;
const day = 24 * hour;

/**
 * `GET /devices/{id}/history` over 30 days at 1h for one device, against Azurite: the rollups are
 * built by ingest itself (a reading every 15 minutes for 30 days), then the query is timed against
 * a point read of the same device's state in the same run.
 */
export const historyBenchmark: Benchmark = {
  name: 'history',
  description: 'history over 30 days at 1h for one device vs a read of its state, on Azurite',
  async run({ quick, log }) {
    const azurite = await startAzurite();
    try {
      const storage = countStorageRequests();
      const services = createServices(
        loadConfig({ [settingNames.dataStorage]: azurite.connectionString }),
        { tables: { additionalPolicies: storage.policies } },
      );
      const now = Date.now();
      const from = now - 30 * day;
      const events = Array.from({ length: (30 * day) / (15 * 60_000) }, (_, i) => ({
        deviceId: 'history-device',
        body: { temperature: 20 + (i % 10), humidity: 50 },
        partitionId: '0',
        sequenceNumber: i,
        enqueuedTime: new Date(from + i * 15 * 60_000 + 1000).toISOString(),
      }));
      for (let i = 0; i < events.length; i += 100)
        await services.ingestor.ingest(events.slice(i, i + 100));

      const range = { from, to: now, interval: '1h' as const };
      const query = async () => {
        let buckets = 0;
        for await (const _ of historyBuckets(services.deviceStates, 'history-device', range))
          buckets++;
        return buckets;
      };
      const times = async (run: () => Promise<unknown>, n: number) => {
        const ms: number[] = [];
        for (let i = 0; i < n; i++) {
          const started = performance.now();
          await run();
          ms.push(performance.now() - started);
        }
        return median(ms);
      };
      const n = quick ? 3 : 15;
      await query(); // warm-up
      storage.reset();
      const buckets = await query();
      const requests = storage.total();
      const queryMs = await times(query, n);
      const getMs = await times(() => services.deviceStates.get('history-device'), n);
      await services.close();
      log(
        `30 days at 1h: ${buckets} buckets in ${requests} requests, ${queryMs.toFixed(1)} ms (median of ${n}); a state read ${getMs.toFixed(1)} ms`,
      );
      return {
        'query30dAt1h.buckets': buckets,
        'query30dAt1h.requests': requests,
        'query30dAt1h.ms': queryMs,
        'query30dAt1h.baselineStateReadMs': getMs,
        'query30dAt1h.ratio': queryMs / getMs,
      };
    } finally {
      await azurite.stop();
    }
  },
};
