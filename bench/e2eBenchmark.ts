import { HubConnectionBuilder, LogLevel } from '@microsoft/signalr';
import { startLocalCloud } from '../dev/localCloud';
import type { DeviceStateUpdate } from '../functions/src/telemetry/telemetryIngestor';
import { seededRandom } from '../harness/random';
import { runSimulation } from '../simulator/deviceSimulator';
import { clientToken } from '../tools/tokens';
import { type Benchmark, type BenchmarkFigures, percentile } from './benchmark';

/**
 * One run at a fixed rate: devices POST to the IoT Hub stand-in; the latency of a message is from
 * its POST to the moment a SignalR client, connected through `/api/negotiate`, receives the
 * reading. Each reading carries a unique id in `light` (a valid measurement) to match the two.
 */
async function measure(
  eventsPerSecond: number,
  seconds: number,
  rttMs: number | undefined,
  log: (line: string) => void,
  transport: 'rest' | 'mqtt' = 'rest',
) {
  const stack = await startLocalCloud({
    log: () => undefined,
    ...(rttMs === undefined ? {} : { rttMs }),
  });
  const reader = await clientToken(stack.endpoints.identity, 'Fleet.Read');
  const client = new HubConnectionBuilder()
    .withUrl(stack.endpoints.apiBaseUrl, { accessTokenFactory: () => reader })
    .configureLogging(LogLevel.None)
    .build();
  const receivedAt = new Map<number, number>();
  client.on('deviceState', (batch: DeviceStateUpdate[]) => {
    const now = performance.now();
    for (const update of batch) {
      for (const point of update.history)
        if (point.light !== undefined && !receivedAt.has(point.light))
          receivedAt.set(point.light, now);
    }
  });
  try {
    await client.start();
    const sentAt = new Map<number, number>();
    const devicesAtFivePerSecond = Math.max(1, Math.round(eventsPerSecond / 5));
    const summary = await runSimulation({
      connectionString: stack.endpoints.iotHub.connectionString,
      localHub: stack.endpoints.iotHub,
      transport,
      devices: devicesAtFivePerSecond,
      rate: eventsPerSecond / devicesAtFivePerSecond,
      durationSeconds: seconds,
      random: seededRandom(eventsPerSecond),
      body: (index) => JSON.stringify({ temperature: 21, humidity: 45, light: index }),
      onMessage: ({ index, sentAt: at, acceptedAt }) => {
        if (acceptedAt !== undefined) sentAt.set(index, at);
      },
    });
    const deadline = performance.now() + 10_000;
    while ([...sentAt.keys()].some((id) => !receivedAt.has(id)) && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const latencies = [...sentAt].flatMap(([id, at]) => {
      const received = receivedAt.get(id);
      return received === undefined ? [] : [received - at];
    });
    const result = {
      sentPerSecond: summary.accepted / summary.elapsedSeconds,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      deliveredRatio: sentAt.size === 0 ? 0 : latencies.length / sentAt.size,
      failed: summary.failed,
    };
    log(
      `${transport === 'mqtt' ? 'MQTT (device SDK) ' : ''}${eventsPerSecond}/s target: ${result.sentPerSecond.toFixed(0)}/s accepted, p50 ${result.p50Ms.toFixed(0)} ms, ` +
        `p99 ${result.p99Ms.toFixed(0)} ms, delivered ${latencies.length}/${sentAt.size}, ${summary.failed} failed`,
    );
    return result;
  } finally {
    await client.stop();
    await stack.stop();
  }
}

/** Whether a run kept up: every message accepted at the rate asked, delivered, p99 within 1 s. */
function keptUp(rate: number, result: Awaited<ReturnType<typeof measure>>): boolean {
  return (
    result.failed === 0 &&
    result.deliveredRatio === 1 &&
    result.p99Ms <= 1000 &&
    result.sentPerSecond >= rate * 0.95
  );
}

export const e2eBenchmark: Benchmark = {
  name: 'e2e',
  description:
    'device POST to the SignalR client receiving it, through the whole local cloud; then the highest rate it keeps up with',
  async run({ quick, rttMs, log }) {
    const figures: BenchmarkFigures = {};
    const runs = quick
      ? [{ rate: 200, seconds: 3 }]
      : [
          { rate: 200, seconds: 20 },
          { rate: 1000, seconds: 20 },
        ];
    for (const { rate, seconds } of runs) {
      const result = await measure(rate, seconds, rttMs, log);
      for (const [key, value] of Object.entries(result)) figures[`at${rate}.${key}`] = value;
    }
    const headline = quick ? 'at200' : 'at1000';
    figures.p50Ms = figures[`${headline}.p50Ms`] as number;
    figures.p99Ms = figures[`${headline}.p99Ms`] as number;
    figures.deliveredRatio = Math.min(
      ...runs.map(({ rate }) => figures[`at${rate}.deliveredRatio`] as number),
    );

    // Devices on Microsoft's device SDK over MQTT, one connection each, at the headline rate.
    const mqttRun = quick ? { rate: 200, seconds: 3 } : { rate: 1000, seconds: 20 };
    const overMqtt = await measure(mqttRun.rate, mqttRun.seconds, rttMs, log, 'mqtt');
    for (const [key, value] of Object.entries(overMqtt)) figures[`mqtt.${key}`] = value;

    // The ceiling: up by 25% a step until a step loses something, misses the rate or p99 > 1 s.
    const ladder = quick
      ? { from: 200, steps: 2, seconds: 2 }
      : { from: 500, steps: 14, seconds: 10 };
    let maxRate = 0;
    let rate = ladder.from;
    for (let step = 0; step < ladder.steps; step++, rate = Math.round(rate * 1.25)) {
      const result = await measure(rate, ladder.seconds, rttMs, log);
      if (!keptUp(rate, result)) break;
      maxRate = rate;
      figures.maxRateP99Ms = result.p99Ms;
    }
    figures.maxRate = maxRate;
    log(
      maxRate === 0
        ? `kept up with no step from ${ladder.from}/s`
        : `kept up to ${maxRate} events/s`,
    );
    return figures;
  },
};
