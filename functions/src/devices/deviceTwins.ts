import { createHubRestCall, iotHubApiVersion } from '../gateway/iotHubRest';
import type { GatewayConfig } from '../gateway/settings';
import { AppError } from '../host/appError';
import { deviceIdRule, isValidDeviceId } from '../host/deviceId';
import { mirroredTagsTag } from './deviceJobs';
import { hubRefusal } from './hubRefusal';

/** A twin as IoT Hub's service API answers with it, as far as fieldline passes it on. */
export interface DeviceTwin {
  readonly deviceId: string;
  readonly etag: string;
  readonly version: number;
  readonly modelId: string;
  readonly connectionState: string;
  readonly tags: Record<string, unknown>;
  readonly properties: {
    readonly desired: Record<string, unknown>;
    readonly reported: Record<string, unknown>;
  };
}

/** The devices that announce one model, as the twins say. */
export interface ModelUsage {
  readonly dtmi: string;
  readonly devices: number;
  /** The first of them, by id; at most `modelUsageListed`. */
  readonly deviceIds: readonly string[];
}

const modelUsageListed = 50;
/** Pages of 1,000 twins read for the usage: a bigger fleet is counted up to 10,000 devices. */
const modelUsagePages = 10;

export interface CommandOutcome {
  readonly status: number;
  readonly payload: unknown;
}

/**
 * Twins and direct methods through the hub's service REST API (2021-04-12): read a twin, patch its
 * desired properties (JSON merge, `null` deletes), invoke a method. Hub answers become AppErrors
 * with a code that says what happened (not found, offline, timed out, throttled).
 */
export function createDeviceTwins(options: {
  gateway: GatewayConfig;
  authorization: () => Promise<string>;
  fetch?: typeof fetch;
}) {
  const hub = createHubRestCall(options);
  const url = (deviceId: string, rest = '') =>
    `${options.gateway.endpoint}/twins/${encodeURIComponent(deviceId)}${rest}?api-version=${iotHubApiVersion}`;
  const call = (method: string, target: string, body?: unknown, timeoutMs = 30_000) =>
    hub(method, target, { ...(body === undefined ? {} : { body }), timeoutMs });

  const checked = (deviceId: string) => {
    if (!isValidDeviceId(deviceId)) throw new AppError('validation_failed', deviceIdRule);
    return deviceId;
  };

  return {
    async get(deviceId: string): Promise<DeviceTwin> {
      const response = await call('GET', url(checked(deviceId)));
      if (!response.ok) throw await hubRefusal(response, 'the twin read', deviceId);
      return (await response.json()) as DeviceTwin;
    },

    /** Merges `patch` into the desired properties; the twin after the change. */
    async patchDesired(deviceId: string, patch: Record<string, unknown>): Promise<DeviceTwin> {
      const response = await call('PATCH', url(checked(deviceId)), {
        properties: { desired: patch },
      });
      if (!response.ok) throw await hubRefusal(response, 'the desired properties', deviceId);
      return (await response.json()) as DeviceTwin;
    },

    /**
     * Mirrors fieldline's tags for a device into its twin's tags, so that a job's condition can
     * select them; none removes the tag. A device the hub does not know has no twin to mirror to.
     */
    async mirrorTags(deviceId: string, tags: readonly string[]): Promise<void> {
      const response = await call('PATCH', url(checked(deviceId)), {
        tags: { [mirroredTagsTag]: tags.length > 0 ? tags : null },
      });
      if (response.status === 404) {
        await response.body?.cancel();
        return;
      }
      if (!response.ok) throw await hubRefusal(response, 'the tags', deviceId);
      await response.body?.cancel();
    },

    /**
     * How many devices announce each model, and which: a twin query of `modelId`, one call per
     * 1,000 devices (S1 allows 20 queries a minute, so the caller caches it).
     */
    async modelUsage(): Promise<{ models: ModelUsage[]; complete: boolean }> {
      const byModel = new Map<string, string[]>();
      let continuation: string | undefined;
      let pages = 0;
      do {
        const response = await hub(
          'POST',
          `${options.gateway.endpoint}/devices/query?api-version=${iotHubApiVersion}`,
          {
            body: { query: "SELECT deviceId, modelId FROM devices WHERE modelId != ''" },
            headers: {
              'x-ms-max-item-count': '1000',
              ...(continuation ? { 'x-ms-continuation': continuation } : {}),
            },
            timeoutMs: 30_000,
          },
        );
        if (!response.ok) throw await hubRefusal(response, 'the devices of each model');
        continuation = response.headers.get('x-ms-continuation') ?? undefined;
        for (const row of (await response.json()) as { deviceId: string; modelId?: string }[])
          if (row.modelId)
            byModel.set(row.modelId, [...(byModel.get(row.modelId) ?? []), row.deviceId]);
        pages++;
      } while (continuation && pages < modelUsagePages);
      const models = [...byModel].map(([dtmi, ids]) => ({
        dtmi,
        devices: ids.length,
        deviceIds: ids.sort().slice(0, modelUsageListed),
      }));
      return { models, complete: continuation === undefined };
    },

    async invoke(
      deviceId: string,
      command: {
        name: string;
        payload: unknown;
        responseTimeoutInSeconds: number;
        connectTimeoutInSeconds: number;
      },
    ): Promise<CommandOutcome> {
      const response = await call(
        'POST',
        url(checked(deviceId), '/methods'),
        {
          methodName: command.name,
          payload: command.payload ?? null,
          responseTimeoutInSeconds: command.responseTimeoutInSeconds,
          connectTimeoutInSeconds: command.connectTimeoutInSeconds,
        },
        // The hub answers within the two timeouts; a little more for the trip.
        (command.responseTimeoutInSeconds + command.connectTimeoutInSeconds + 5) * 1000,
      );
      if (!response.ok) throw await hubRefusal(response, `the command ${command.name}`, deviceId);
      const answer = (await response.json()) as { status?: unknown; payload?: unknown };
      return { status: Number(answer.status), payload: answer.payload ?? null };
    },
  };
}

export type DeviceTwins = ReturnType<typeof createDeviceTwins>;
