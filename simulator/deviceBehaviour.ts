import type { Client, DeviceMethodRequest, DeviceMethodResponse, Twin } from 'azure-iot-device';

// What a simulated SDK device does besides sending readings, through its twin and direct methods
// only, as a real device's firmware would: it reports `firmware` and `battery`, follows a desired
// `sampleIntervalSeconds`, and answers `reboot` (it disconnects, then comes back) and
// `getDiagnostics`.

export const simulatedFirmware = '1.4.2';
/** The desired interval a device accepts, in seconds. */
const intervalRange = { min: 1, max: 3600 };
/** How long a rebooting device stays away. */
const rebootMs = 2_000;
/** Battery lost per reading sent, in percent; reported every `batteryReportEvery` readings. */
const drainPerReading = 0.05;
const batteryReportEvery = 50;

export interface DeviceBehaviour {
  /** Whether the device takes a reading now: it is up, and its interval (if set) has passed. */
  due(now: number): boolean;
  /** A reading went out at `now`. */
  sent(now: number): void;
  stop(): void;
}

/**
 * Wires a connected MQTT client's twin and methods. `reconnect` opens the client again after a
 * reboot. Twin and method failures are the device's own business: they never stop its readings.
 */
export async function startDeviceBehaviour(
  client: Client,
  options: { readonly reconnect: () => Promise<void>; readonly now?: () => number },
): Promise<DeviceBehaviour> {
  const now = options.now ?? Date.now;
  const bootedAt = now();
  let intervalMs: number | undefined;
  let lastSentAt = Number.NEGATIVE_INFINITY;
  let rebootingUntil = 0;
  let battery = 100;
  let readings = 0;
  let stopped = false;
  const twin: Twin = await client.getTwin();
  const report = (patch: Record<string, unknown>) =>
    new Promise<void>((resolve) => twin.properties.reported.update(patch, () => resolve()));
  await report({ firmware: simulatedFirmware, battery, sampleIntervalSeconds: null });
  twin.on('properties.desired', (desired: Record<string, unknown>) => {
    const seconds = desired.sampleIntervalSeconds;
    if (seconds === null || seconds === undefined) {
      if (intervalMs !== undefined) {
        intervalMs = undefined;
        void report({ sampleIntervalSeconds: null });
      }
      return;
    }
    if (
      typeof seconds === 'number' &&
      Number.isInteger(seconds) &&
      seconds >= intervalRange.min &&
      seconds <= intervalRange.max &&
      seconds * 1000 !== intervalMs
    ) {
      intervalMs = seconds * 1000;
      void report({ sampleIntervalSeconds: seconds });
    }
  });
  client.onDeviceMethod(
    'getDiagnostics',
    (_request: DeviceMethodRequest, response: DeviceMethodResponse) => {
      response.send(200, {
        firmware: simulatedFirmware,
        battery: Math.round(battery * 10) / 10,
        uptimeSeconds: Math.round((now() - bootedAt) / 1000),
        readings,
        sampleIntervalSeconds: intervalMs === undefined ? null : intervalMs / 1000,
      });
    },
  );
  client.onDeviceMethod(
    'reboot',
    (_request: DeviceMethodRequest, response: DeviceMethodResponse) => {
      rebootingUntil = now() + rebootMs;
      response.send(200, { rebooting: true, backInSeconds: rebootMs / 1000 }, () => {
        // Answered first: a device that drops the line before answering leaves the caller a timeout.
        void (async () => {
          await client.close().catch(() => undefined);
          await new Promise((resolve) => setTimeout(resolve, rebootMs));
          if (stopped) return;
          await options.reconnect().catch(() => undefined);
          rebootingUntil = 0;
        })();
      });
    },
  );
  return {
    due: (time) =>
      time >= rebootingUntil && (intervalMs === undefined || time - lastSentAt >= intervalMs),
    sent(time) {
      lastSentAt = time;
      readings++;
      battery = Math.max(0, battery - drainPerReading);
      if (readings % batteryReportEvery === 0)
        void report({ battery: Math.round(battery * 10) / 10 });
    },
    stop() {
      stopped = true;
    },
  };
}
