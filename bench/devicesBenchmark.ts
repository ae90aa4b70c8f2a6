import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { HubConnectionBuilder, LogLevel } from '@microsoft/signalr';
import type { Twin } from 'azure-iot-device';
import { type LocalCloud, standardHttpsPort, startLocalCloud } from '../dev/localCloud';
import type { DeviceStateUpdate } from '../functions/src/telemetry/telemetryIngestor';
import type { OpenDeviceClient } from '../simulator/deviceClient';
import { runSimulation } from '../simulator/deviceSimulator';
import { mapLimit } from '../simulator/simulatedDevices';
import { clientToken } from '../tools/tokens';
import { type Benchmark, type BenchmarkFigures, percentile } from './benchmark';

// Devices you talk back to, with simulated SDK devices over MQTT on a hub at S1's throttles:
// - a reported property's change, from the device's update to a dashboard's deviceState;
// - a command's round trip through fieldline's API, against azure-iothub's
//   Client.invokeDeviceMethod straight to the hub, as a ratio;
// - a desired-properties job over every device by tag, against the time S1's job throttle
//   (10 device operations a second) allows at best, as a ratio.

const s1JobDeviceOperationsPerSecond = 10;
/**
 * Commands are timed one every 50 ms: S1 meters direct methods at 160 KB/s in 4 KB steps (40 calls
 * a second), and a round trip measured past that would measure the throttle's backoff instead.
 */
const commandPaceMs = 50;

interface Api {
  (method: string, route: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  /** 429s the API answered, each waited out (its Retry-After) and tried again. */
  throttled: number;
  /** 429s still there after five tries: the caller gave up. */
  unhandled: number;
}

const maxTries = 5;

/** The API with an operator's token for changes and a reader's for reads (roles do not nest). */
function apiFor(stack: LocalCloud, tokens: { operator: string; reader: string }): Api {
  // A well-behaved client: a 429 is waited out for its Retry-After, then tried again.
  const call = async (method: string, route: string, body?: unknown) => {
    const token = method === 'GET' ? tokens.reader : tokens.operator;
    for (let attempt = 1; ; attempt++) {
      const response = await fetch(`${stack.endpoints.apiBaseUrl}${route}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const answer = {
        status: response.status,
        body: (await response.json().catch(() => null)) as unknown,
      };
      if (response.status !== 429) return answer;
      api.throttled++;
      if (attempt === maxTries) {
        api.unhandled++;
        return answer;
      }
      const seconds = Number(response.headers.get('retry-after')) || 1;
      await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    }
  };
  const api = Object.assign(call, { throttled: 0, unhandled: 0 });
  return api;
}

/** From a device's reported update to the dashboard's deviceState that carries it. */
async function reportedToDashboard(
  stack: LocalCloud,
  clients: ReadonlyMap<string, OpenDeviceClient>,
  samples: number,
  log: (line: string) => void,
) {
  const reader = await clientToken(stack.endpoints.identity, 'Fleet.Read');
  const dashboard = new HubConnectionBuilder()
    .withUrl(stack.endpoints.apiBaseUrl, { accessTokenFactory: () => reader })
    .configureLogging(LogLevel.None)
    .build();
  const seen = new Map<string, number>();
  dashboard.on('deviceState', (batch: DeviceStateUpdate[]) => {
    const now = performance.now();
    for (const update of batch) {
      const probe = update.reported?.properties.probe;
      if (typeof probe === 'number' && !seen.has(`${update.deviceId}/${probe}`))
        seen.set(`${update.deviceId}/${probe}`, now);
    }
  });
  await dashboard.start();
  const ids = [...clients.keys()];
  const sentAt = new Map<string, number>();
  try {
    for (let i = 0; i < samples; i++) {
      const deviceId = ids[(i * 7919) % ids.length] as string;
      const twin: Twin = await (clients.get(deviceId) as OpenDeviceClient).sdk.getTwin();
      sentAt.set(`${deviceId}/${i}`, performance.now());
      twin.properties.reported.update({ probe: i }, () => undefined);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const deadline = performance.now() + 15_000;
    while ([...sentAt.keys()].some((key) => !seen.has(key)) && performance.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
  } finally {
    await dashboard.stop();
  }
  const latencies = [...sentAt].flatMap(([key, at]) => {
    const arrived = seen.get(key);
    return arrived === undefined ? [] : [arrived - at];
  });
  const result = {
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    deliveredRatio: latencies.length / Math.max(1, sentAt.size),
  };
  log(
    `reported -> dashboard: p50 ${result.p50Ms.toFixed(0)} ms, p99 ${result.p99Ms.toFixed(0)} ms, ${latencies.length}/${sentAt.size}`,
  );
  return result;
}

/** Commands one at a time through fieldline's API, then straight to the hub with azure-iothub. */
async function commandRoundTrips(
  stack: LocalCloud,
  api: Api,
  ids: readonly string[],
  samples: number,
  log: (line: string) => void,
) {
  const targets = Array.from(
    { length: samples },
    (_, i) => ids[(i * 104729) % ids.length] as string,
  );
  const throughApi: number[] = [];
  let apiFailed = 0;
  for (const deviceId of targets) {
    const started = performance.now();
    const answer = await api('POST', `/devices/${deviceId}/commands/getDiagnostics`, {});
    if (answer.status === 200) throughApi.push(performance.now() - started);
    else apiFailed++;
    const rest = commandPaceMs - (performance.now() - started);
    if (rest > 0) await new Promise((resolve) => setTimeout(resolve, rest));
  }
  let direct: number[] = [];
  let directFailed = 0;
  if (stack.iotHub.https?.port === 443) {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        path.join(__dirname, 'scripts/invokeMethods.cjs'),
        'getDiagnostics',
        String(commandPaceMs),
        ...targets,
      ],
      {
        env: {
          ...process.env,
          IOTHUB_CONNECTION_STRING: stack.endpoints.iotHub.connectionString,
          NODE_EXTRA_CA_CERTS: stack.endpoints.iotHub.caPath,
        },
      },
    );
    const answered = JSON.parse(stdout) as { latenciesMs: number[]; failed: number };
    direct = answered.latenciesMs;
    directFailed = answered.failed;
  } else log('the hub has no HTTPS door on 443, which azure-iothub needs: no direct baseline');
  const result = {
    apiP50Ms: percentile(throughApi, 50),
    apiP99Ms: percentile(throughApi, 99),
    directP50Ms: percentile(direct, 50),
    directP99Ms: percentile(direct, 99),
    apiFailed,
    directFailed,
  };
  const ratio = result.apiP50Ms / result.directP50Ms;
  log(
    `command round trip: API p50 ${result.apiP50Ms.toFixed(1)} ms / p99 ${result.apiP99Ms.toFixed(1)} ms; ` +
      `invokeDeviceMethod p50 ${result.directP50Ms.toFixed(1)} ms / p99 ${result.directP99Ms.toFixed(1)} ms; p50 ratio ${ratio.toFixed(2)}`,
  );
  return { ...result, p50Ratio: ratio, p99Ratio: result.apiP99Ms / result.directP99Ms };
}

/** Tags every device, then one desired-properties job over the tag, to the end. */
async function tagJob(api: Api, ids: readonly string[], log: (line: string) => void) {
  const tagStarted = performance.now();
  const tagged = await mapLimit(
    ids,
    8,
    async (deviceId): Promise<number> =>
      (await api('PUT', `/devices/${deviceId}/tags`, { tags: ['bench-fleet'] })).status === 200
        ? 1
        : 0,
  );
  const tagSeconds = (performance.now() - tagStarted) / 1000;
  const started = performance.now();
  const created = await api('POST', '/jobs', {
    target: { tag: 'bench-fleet' },
    desired: { sampleIntervalSeconds: 600 },
  });
  if (created.status !== 202)
    throw new Error(`the job was refused: ${JSON.stringify(created.body)}`);
  const { jobId } = created.body as { jobId: string };
  let job: {
    status: string;
    createdTime: string;
    endTime?: string;
    counts: { total: number; succeeded: number; failed: number };
  };
  for (;;) {
    const read = await api('GET', `/jobs/${jobId}`);
    job = read.body as typeof job;
    if (read.status !== 200 && read.status !== 429)
      throw new Error(`reading the job answered ${read.status}: ${JSON.stringify(read.body)}`);
    if (read.status === 200 && ['completed', 'failed', 'cancelled'].includes(job.status)) break;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  const seconds = (performance.now() - started) / 1000;
  // The hub's own account of the job, free of the polling interval and the API's two-second cache.
  const hubSeconds = (Date.parse(job.endTime ?? '') - Date.parse(job.createdTime)) / 1000;
  // The documented pace: S1's job engine works on 10 devices a second.
  const boundSeconds = job.counts.total / s1JobDeviceOperationsPerSecond;
  log(
    `tagged ${tagged.reduce((a, b) => a + b, 0)}/${ids.length} in ${tagSeconds.toFixed(1)} s; job over ${job.counts.total}: ${job.status}, ` +
      `${job.counts.succeeded} succeeded, ${job.counts.failed} failed in ${hubSeconds.toFixed(1)} s by the hub (${seconds.toFixed(1)} s seen through the API) against S1's bound of ${boundSeconds.toFixed(1)} s`,
  );
  return {
    tagged: tagged.reduce((a, b) => a + b, 0),
    tagSeconds,
    total: job.counts.total,
    succeeded: job.counts.succeeded,
    failed: job.counts.failed,
    seconds,
    hubSeconds,
    boundSeconds,
    toBoundRatio: hubSeconds / Math.max(boundSeconds, 1),
  };
}

export const devicesBenchmark: Benchmark = {
  name: 'devices',
  description:
    'simulated SDK devices on a hub at S1: reported change to dashboard, command round trip against invokeDeviceMethod, a job over every device against S1 pacing',
  async run({ quick, rttMs, log }) {
    const devices = quick ? 40 : 2000;
    const stack = await startLocalCloud({
      log: () => undefined,
      // azure-iothub's Client takes no port: the hub's HTTPS door must be on 443 for the baseline.
      ports: { iotHubHttps: standardHttpsPort },
      hubTier: 'S1',
      ...(rttMs === undefined ? {} : { rttMs }),
    });
    const stop = new AbortController();
    const clients = new Map<string, OpenDeviceClient>();
    const connectStarted = performance.now();
    const simulation = runSimulation({
      connectionString: stack.endpoints.iotHub.connectionString,
      localHub: stack.endpoints.iotHub,
      transport: 'mqtt',
      devices,
      // A reading a minute each: the fleet's load, not what is measured.
      rate: 1 / 60,
      devicePrefix: 'bench-device',
      signal: stop.signal,
      onConnected: (deviceId, client) => clients.set(deviceId, client),
    });
    try {
      while (clients.size < devices) {
        await Promise.race([simulation, new Promise((resolve) => setTimeout(resolve, 200))]);
        if (performance.now() - connectStarted > 600_000)
          throw new Error('devices did not connect in 10 minutes');
      }
      // Each device reads its twin and reports once as it starts: let those settle.
      await new Promise((resolve) => setTimeout(resolve, quick ? 1000 : 5000));
      log(
        `${clients.size} SDK devices connected in ${((performance.now() - connectStarted) / 1000).toFixed(1)} s`,
      );
      const api = apiFor(stack, {
        operator: await clientToken(stack.endpoints.identity, 'Fleet.Operate'),
        reader: await clientToken(stack.endpoints.identity, 'Fleet.Read'),
      });
      const figures: BenchmarkFigures = { devices };
      for (const [key, value] of Object.entries(
        await reportedToDashboard(stack, clients, quick ? 20 : 200, log),
      ))
        figures[`reported.${key}`] = value;
      for (const [key, value] of Object.entries(
        await commandRoundTrips(stack, api, [...clients.keys()], quick ? 10 : 100, log),
      ))
        figures[`command.${key}`] = value;
      for (const [key, value] of Object.entries(await tagJob(api, [...clients.keys()], log)))
        figures[`job.${key}`] = value;
      figures.throttled429 = api.throttled;
      figures.unhandled429 = api.unhandled;
      return figures;
    } finally {
      stop.abort();
      await simulation.catch(() => undefined);
      await stack.stop();
    }
  },
};
