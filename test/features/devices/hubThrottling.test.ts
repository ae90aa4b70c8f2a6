import { randomBytes } from 'node:crypto';
import {
  HubEventLog,
  RegistryStore,
  type RunningIotHub,
  startIotHubServer,
} from '@fieldline/iothub-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeviceTwins } from '../../../functions/src/devices/deviceTwins';
import { createHubAuthorization, throttleRetry } from '../../../functions/src/gateway/iotHubRest';
import { AppError } from '../../../functions/src/host/appError';

// fieldline's hub client against the IoT Hub emulator at S1: throttled calls are tried again,
// within bounds, and what is still refused is a 429 the caller can act on.

let hub: RunningIotHub;
const registry = new RegistryStore();
const policy = {
  name: 'fieldline-registry',
  key: randomBytes(32).toString('base64'),
  rights: ['RegistryRead', 'RegistryWrite', 'ServiceConnect'] as const,
};

beforeAll(async () => {
  hub = await startIotHubServer(0, {
    hostName: 'localhost',
    registry,
    log: new HubEventLog({ partitionCount: 2 }),
    policies: [policy],
    tier: 'S1',
  });
  registry.put('throttled-1', {}, undefined);
});
afterAll(async () => {
  await hub?.stop();
});

describe("fieldline's hub client under the S1 tier's throttles", () => {
  it('retries a throttled twin read at most three times in all, and answers 429 too_many_requests when still refused', async () => {
    const gateway = {
      hubHostName: 'localhost',
      endpoint: hub.url,
      registry: { kind: 'sas' as const, policyName: policy.name, key: policy.key },
    };
    let attempts = 0;
    const throttledAnswers: number[] = [];
    const twins = createDeviceTwins({
      gateway,
      authorization: createHubAuthorization(gateway),
      fetch: async (url, init) => {
        attempts++;
        const response = await fetch(url, init);
        if (response.status === 429) throttledAnswers.push(attempts);
        return response;
      },
    });
    const calls = 250;
    const outcomes = await Promise.all(
      Array.from({ length: calls }, () =>
        twins.get('throttled-1').then(
          () => 'ok',
          (error: unknown) => (error instanceof AppError ? error.code : String(error)),
        ),
      ),
    );
    const ok = outcomes.filter((outcome) => outcome === 'ok').length;
    // S1 reads 100 a second: the first second's worth at once, then more as the retries come.
    expect(throttledAnswers.length).toBeGreaterThan(0);
    expect(ok).toBeGreaterThan(100);
    expect(new Set(outcomes.filter((outcome) => outcome !== 'ok'))).toEqual(
      new Set(['too_many_requests']),
    );
    expect(attempts).toBeLessThanOrEqual(calls * throttleRetry.attempts);
    // Every call that was refused for good was tried the full number of times.
    expect(attempts).toBeGreaterThanOrEqual(calls + (calls - ok) * (throttleRetry.attempts - 1));
  });
});
