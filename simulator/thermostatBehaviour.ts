import type { Client, DeviceMethodRequest, DeviceMethodResponse } from 'azure-iot-device';

// What a provisioned simulated device does as the thermostat it announces
// (examples/models/dtmi/com/example/thermostat-1.json): it reports its target and its highest
// reading since boot, follows a desired targetTemperature with IoT Plug and Play's acknowledgement
// ({value, ac, av}), and answers getMaxMinReport.

export const thermostatModelId = 'dtmi:com:example:Thermostat;1';

/** The range of targets it accepts, in °C; others are acknowledged with 400 and left as they were. */
const targetRange = { min: 5, max: 35 };

export interface Thermostat {
  /** Where its readings drift to: the target, once one is set. */
  readonly target: () => number | undefined;
  /** A reading went out. */
  reading(temperature: number): void;
}

export async function startThermostat(client: Client, startedAt: Date): Promise<Thermostat> {
  const twin = await client.getTwin();
  const report = (patch: Record<string, unknown>) =>
    new Promise<void>((resolve) => twin.properties.reported.update(patch, () => resolve()));
  let target: number | undefined;
  let highest = Number.NEGATIVE_INFINITY;
  let lowest = Number.POSITIVE_INFINITY;
  let readings = 0;
  const follow = (desired: Record<string, unknown>) => {
    const value = desired.targetTemperature;
    if (value === undefined) return;
    const version = typeof desired.$version === 'number' ? desired.$version : 0;
    const accepted =
      typeof value === 'number' && value >= targetRange.min && value <= targetRange.max;
    if (accepted) target = value;
    void report({
      targetTemperature: {
        value: accepted ? value : (target ?? null),
        ac: accepted ? 200 : 400,
        av: version,
        ...(accepted
          ? {}
          : { ad: `targetTemperature must be ${targetRange.min} to ${targetRange.max}` }),
      },
    });
  };
  follow(twin.properties.desired as Record<string, unknown>);
  twin.on('properties.desired', follow);
  client.onDeviceMethod(
    'getMaxMinReport',
    (request: DeviceMethodRequest, response: DeviceMethodResponse) => {
      const since = typeof request.payload === 'string' ? request.payload : startedAt.toISOString();
      response.send(200, {
        maxTemp: readings > 0 ? highest : null,
        minTemp: readings > 0 ? lowest : null,
        since,
      });
    },
  );
  return {
    target: () => target,
    reading(temperature) {
      readings++;
      lowest = Math.min(lowest, temperature);
      if (temperature > highest) {
        highest = temperature;
        void report({ maxTempSinceLastReboot: Math.round(highest * 10) / 10 });
      }
    },
  };
}
