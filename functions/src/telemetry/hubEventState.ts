// The hub's own events, as routes bring them to the built-in endpoint beside telemetry: a device's
// connection state and its reported properties, kept with its state. Their shapes:
// https://learn.microsoft.com/azure/iot-hub/iot-hub-non-telemetry-event-schema

/** Whether the device holds a connection to the hub now, and since when (the event's time). */
export interface ConnectionState {
  readonly state: 'connected' | 'disconnected';
  readonly since: string;
}

/** The device's reported properties as its twin change events left them. */
export interface ReportedProperties {
  /** The reported section's `$version` after the last change applied. */
  readonly version: number;
  readonly properties: Readonly<Record<string, unknown>>;
  /** When each top-level property last changed. */
  readonly lastUpdated: Readonly<Record<string, string>>;
}

export type HubEvent =
  | { readonly kind: 'connection'; readonly connected: boolean; readonly at: string }
  | {
      readonly kind: 'reported';
      readonly version: number;
      readonly patch: Readonly<Record<string, unknown>>;
      readonly at: string;
    };

const connectionSource = 'deviceConnectionStateEvents';
const twinSource = 'twinChangeEvents';

/**
 * What a hub event says about the device; undefined for one it is not about (a desired or tags
 * change, an event of a kind fieldline does not read) or one it cannot read.
 */
export function readHubEvent(message: {
  readonly source: string;
  readonly body: unknown;
  readonly properties: Readonly<Record<string, unknown>>;
  readonly enqueuedTime: string;
}): HubEvent | undefined {
  const at = eventTime(message.properties.operationTimestamp) ?? message.enqueuedTime;
  if (message.source === connectionSource) {
    const operation = message.properties.opType;
    if (operation !== 'deviceConnected' && operation !== 'deviceDisconnected') return undefined;
    return { kind: 'connection', connected: operation === 'deviceConnected', at };
  }
  if (message.source !== twinSource) return undefined;
  const body = objectOf(parseBody(message.body));
  const reported = objectOf(objectOf(body?.properties)?.reported);
  if (!reported || typeof reported.$version !== 'number') return undefined;
  // `$version`, `$metadata` and the like are the hub's, not the device's.
  const patch = Object.fromEntries(
    Object.entries(reported).filter(([key]) => !key.startsWith('$')),
  );
  return { kind: 'reported', version: reported.$version, patch, at };
}

/** The device's connection and reported properties after one event, applied in hub order. */
export function applyHubEvent(
  current: { connection: ConnectionState | null; reported: ReportedProperties | null },
  event: HubEvent,
): { connection: ConnectionState | null; reported: ReportedProperties | null } {
  if (event.kind === 'connection')
    return {
      ...current,
      connection: { state: event.connected ? 'connected' : 'disconnected', since: event.at },
    };
  const base = current.reported ?? { version: 0, properties: {}, lastUpdated: {} };
  // A patch at or below the version kept is one already applied (or overtaken): it changes nothing.
  if (event.version <= base.version) return current;
  const properties = structuredClone(base.properties) as Record<string, unknown>;
  const lastUpdated = { ...base.lastUpdated };
  for (const [key, value] of Object.entries(event.patch)) {
    if (value === null) {
      delete properties[key];
      delete lastUpdated[key];
      continue;
    }
    properties[key] = mergePatch(properties[key], value);
    lastUpdated[key] = event.at;
  }
  return { ...current, reported: { version: event.version, properties, lastUpdated } };
}

/** JSON merge patch (RFC 7386), as the twin applies it: objects merge, `null` deletes. */
function mergePatch(target: unknown, patch: unknown): unknown {
  const patchObject = objectOf(patch);
  if (!patchObject) return patch;
  const result: Record<string, unknown> = { ...(objectOf(target) ?? {}) };
  for (const [key, value] of Object.entries(patchObject)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

function parseBody(body: unknown): unknown {
  const text =
    typeof body === 'string'
      ? body
      : body instanceof Uint8Array
        ? Buffer.from(body).toString('utf8')
        : undefined;
  if (text === undefined) return body;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function objectOf(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function eventTime(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : new Date(time).toISOString();
}
