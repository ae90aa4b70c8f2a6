import { readFile } from 'node:fs/promises';
import { parseIotHubConnectionString } from '../tools/iotHubConnectionString';
import type { LocalEndpoints } from '../tools/localEndpoints';
import type { LocalDeviceTls, OpenDeviceClient } from './deviceClient';
import { nextMessage } from './deviceMessages';
import type { SimulatedProvisioning } from './provisionedDevices';
import { connectDevices } from './simulatedDevices';

export interface SimulationOptions {
  /** An IoT Hub connection string for a policy with RegistryWrite (local or Azure). */
  readonly connectionString: string;
  readonly devices: number;
  /** Messages per second per device. */
  readonly rate: number;
  /** Stop after this long; runs until `messages` or the signal otherwise. */
  readonly durationSeconds?: number;
  /** Stop after this many messages in total. */
  readonly messages?: number;
  /** Share of messages that are deliberately bad (malformed, wrong type, out of range). */
  readonly badShare?: number;
  readonly devicePrefix?: string;
  readonly random?: () => number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: SimulationProgress) => void;
  /** Share of messages that are product events (application property type=analytics) instead of telemetry. */
  readonly productEventShare?: number;
  /**
   * Share of messages that are poison: product events that can never be counted (a `product_id`
   * or `event` over its length limit), which the pipeline must dead-letter, one each.
   */
  readonly poisonShare?: number;
  /** Replaces the generated body of a good message; `index` counts messages from 0. */
  readonly body?: (index: number, deviceId: string) => string;
  /**
   * How devices send: `rest`, the device-to-cloud REST API with SAS headers (the default here);
   * `mqtt` or `https`, Microsoft's device SDK (`azure-iot-device` with `azure-iot-device-mqtt` or
   * `azure-iot-device-http`), one client per device, as a fleet of real devices would.
   */
  readonly transport?: DeviceTransport;
  /**
   * A local cloud's hub (`endpoints.iotHub` of `.fieldline/local.json`), which answers at other
   * addresses than a deployed hub: REST over plain HTTP, MQTT through the gateway, TLS from the
   * local CA. Absent for a deployed hub.
   */
  readonly localHub?: LocalHubAddresses;
  /**
   * SDK devices over MQTT also act on their twin and methods (see deviceBehaviour): they report
   * firmware and battery, follow a desired sampleIntervalSeconds, and answer reboot and
   * getDiagnostics. On unless false.
   */
  readonly twins?: boolean;
  /**
   * Devices provision themselves through DPS (MQTT) with keys derived from the enrollment group's,
   * instead of being registered through the registry API, and announce this model; a thermostat
   * follows it (see thermostatBehaviour). MQTT only.
   */
  readonly provision?: SimulatedProvisioning;
  /** Called once per SDK device when it is connected, for benchmarks that drive devices themselves. */
  readonly onConnected?: (deviceId: string, client: OpenDeviceClient) => void;
  /** Called once per message with its fate, for latency measurements. */
  readonly onMessage?: (message: {
    index: number;
    deviceId: string;
    sentAt: number;
    acceptedAt?: number;
  }) => void;
}

export interface SimulationProgress {
  readonly sent: number;
  readonly accepted: number;
  readonly failed: number;
  readonly elapsedSeconds: number;
  /** Accepted messages per second so far. */
  readonly rate: number;
}

export interface SimulationSummary extends SimulationProgress {
  /** What the hub accepted per device: good readings, deliberately bad messages, product events. */
  readonly perDevice: ReadonlyMap<
    string,
    {
      readonly good: number;
      readonly bad: number;
      readonly events: number;
      readonly poison: number;
    }
  >;
  /** The first few distinct failures, for the operator. */
  readonly errors: readonly string[];
}

const maxInFlight = 64;

export type DeviceTransport = 'rest' | 'mqtt' | 'https';

export type LocalHubAddresses = Pick<LocalEndpoints['iotHub'], 'url' | 'caPath' | 'mqtt' | 'https'>;

/**
 * Registers devices through the registry API and sends realistic telemetry through the
 * device-to-cloud API with device SAS tokens, the way a fleet of HTTPS devices would.
 */
export async function runSimulation(options: SimulationOptions): Promise<SimulationSummary> {
  const hub = parseIotHubConnectionString(options.connectionString);
  const base = options.localHub?.url ?? `https://${hub.hostName}`;
  const tls: LocalDeviceTls | undefined = options.localHub && {
    ca: await readFile(options.localHub.caPath, 'utf8'),
    httpsPort: options.localHub.https.port,
  };
  const random = options.random ?? Math.random;
  const prefix = options.devicePrefix ?? 'sim-device';
  const ids = Array.from(
    { length: options.devices },
    (_, i) => `${prefix}-${String(i + 1).padStart(3, '0')}`,
  );
  const devices = await connectDevices(ids, options, { hub, base, tls, random });

  const perDevice = new Map(ids.map((id) => [id, { good: 0, bad: 0, events: 0, poison: 0 }]));
  const errors: string[] = [];
  let sent = 0;
  let accepted = 0;
  let failed = 0;
  let inFlight = 0;
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  const progress = (): SimulationProgress => ({
    sent,
    accepted,
    failed,
    elapsedSeconds: elapsed(),
    rate: accepted / Math.max(elapsed(), 0.001),
  });
  const totalRate = options.devices * options.rate;
  const limit = options.messages ?? Number.POSITIVE_INFINITY;
  const done = () =>
    options.signal?.aborted ||
    sent >= limit ||
    (options.durationSeconds !== undefined && elapsed() >= options.durationSeconds);

  // Devices take turns; one whose twin says it is not due (rebooting, or its desired interval has
  // not passed) is passed over for this turn.
  let turn = 0;
  const sendOne = (index: number): Promise<void> | undefined => {
    for (let tries = 0; tries < devices.length; tries++) {
      const device = devices[turn++ % devices.length] as (typeof devices)[number];
      const now = Date.now();
      if (device.send.behaviour && !device.send.behaviour.due(now)) continue;
      device.send.behaviour?.sent(now);
      return sendFrom(device, index);
    }
    return undefined;
  };
  const sendFrom = async (device: (typeof devices)[number], index: number) => {
    // A thermostat's readings drift to the target its twin gave it.
    const target = device.send.thermostat?.target();
    if (target !== undefined) device.state.temperature += (target - device.state.temperature) / 5;
    const { body, kind, reading } = nextMessage(index, device, options, random);
    if (reading) device.send.thermostat?.reading(reading.temperature);
    const poison = kind === 'poison';
    const productEvent = poison || kind === 'event';
    const bad = kind === 'bad';
    const sentAt = performance.now();
    sent++;
    inFlight++;
    try {
      const outcome = await device.send(body, {
        source: 'fieldline-simulator',
        // The Raspberry Pi web simulator marks each reading with `temperatureAlert`: above 30 °C.
        ...(reading ? { temperatureAlert: String(reading.temperature > 30) } : {}),
        // Product events share the hub with telemetry; this property routes them to analytics.
        ...(productEvent ? { type: 'analytics' } : {}),
      });
      if (outcome.ok) {
        accepted++;
        options.onMessage?.({
          index,
          deviceId: device.deviceId,
          sentAt,
          acceptedAt: performance.now(),
        });
        const counts = perDevice.get(device.deviceId) as {
          good: number;
          bad: number;
          events: number;
          poison: number;
        };
        if (poison) counts.poison++;
        else if (productEvent) counts.events++;
        else if (bad) counts.bad++;
        else counts.good++;
      } else {
        failed++;
        options.onMessage?.({ index, deviceId: device.deviceId, sentAt });
        note(errors, outcome.error);
      }
    } catch (error) {
      failed++;
      options.onMessage?.({ index, deviceId: device.deviceId, sentAt });
      note(errors, error instanceof Error ? error.message : String(error));
    } finally {
      inFlight--;
    }
  };

  let lastReport = 0;
  const pending = new Set<Promise<void>>();
  while (!done()) {
    const due = Math.min(limit, Math.floor(elapsed() * totalRate) + 1);
    while (sent < due && inFlight < maxInFlight && !done()) {
      const sending = sendOne(sent);
      if (!sending) break;
      pending.add(sending);
      sending.finally(() => pending.delete(sending));
    }
    if (options.onProgress && elapsed() - lastReport >= 1) {
      lastReport = elapsed();
      options.onProgress(progress());
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await Promise.all(pending);
  const summary = { ...progress(), perDevice, errors };
  await Promise.all(devices.map((device) => device.send.close()));
  return summary;
}

function note(errors: string[], error: string) {
  if (errors.length < 5 && !errors.includes(error)) errors.push(error);
}
