import type { InvocationContext } from '@azure/functions';

/** One message of an Event Hubs batch, with what the host's trigger metadata says about it. */
export interface BatchMessage {
  readonly body: unknown;
  /** From the hub's `iothub-connection-device-id`, never from the body. */
  readonly deviceId: string | undefined;
  readonly partitionId: string;
  readonly sequenceNumber: number;
  readonly enqueuedTime: string;
  /** Application properties (`iothub-app-*` on the HTTPS device API). */
  readonly properties: Readonly<Record<string, unknown>>;
  /**
   * What the hub says the message is (`iothub-message-source`): `Telemetry` from a device, or one
   * of the hub's own events a route brings (`twinChangeEvents`, `deviceConnectionStateEvents`).
   */
  readonly source: string;
}

/** A device's own message, not an event of the hub's: what ingest and analytics read. */
export const isDeviceMessage = (message: { readonly source: string }) =>
  message.source === 'Telemetry';

/** The hub's source of an event, from its system properties; `Telemetry` when it names none. */
export function messageSource(system: Readonly<Record<string, unknown>> | undefined): string {
  const source = system?.['iothub-message-source'];
  return typeof source === 'string' && source !== '' ? source : 'Telemetry';
}

/**
 * Pairs each body of a `cardinality: 'many'` batch with its metadata. `@azure/functions` hands the
 * metadata over with the first letter of every key lower-cased (`sequenceNumberArray`,
 * `systemPropertiesArray[i].sequenceNumber`), which test/fidelity checks against the host's shape.
 */
export function readEventHubBatch(bodies: unknown[], context: InvocationContext): BatchMessage[] {
  const metadata = context.triggerMetadata ?? {};
  const systemProperties = arrayOf(metadata.systemPropertiesArray);
  const applicationProperties = arrayOf(metadata.propertiesArray);
  const sequenceNumbers = arrayOf(metadata.sequenceNumberArray);
  const enqueuedTimes = arrayOf(metadata.enqueuedTimeUtcArray);
  const partitionContext = (metadata.partitionContext ?? {}) as { partitionId?: unknown };
  const partitionId = String(partitionContext.partitionId ?? '0');
  return bodies.map((body, index) => {
    const system = (systemProperties[index] ?? {}) as Record<string, unknown>;
    const deviceId = system['iothub-connection-device-id'];
    const sequenceNumber = Number(
      sequenceNumbers[index] ?? system.sequenceNumber ?? system['x-opt-sequence-number'],
    );
    const enqueued =
      enqueuedTimes[index] ?? system.enqueuedTimeUtc ?? system['iothub-enqueuedtime'];
    return {
      body,
      deviceId: typeof deviceId === 'string' && deviceId !== '' ? deviceId : undefined,
      partitionId,
      sequenceNumber: Number.isFinite(sequenceNumber) ? sequenceNumber : -1,
      enqueuedTime: toIsoTime(enqueued),
      properties: { ...((applicationProperties[index] ?? {}) as Record<string, unknown>) },
      source: messageSource(system),
    };
  });
}

function arrayOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function toIsoTime(value: unknown): string {
  const time =
    value instanceof Date
      ? value
      : new Date(typeof value === 'string' || typeof value === 'number' ? value : Date.now());
  return Number.isNaN(time.getTime()) ? new Date().toISOString() : time.toISOString();
}

/** What a dead letter keeps of a hub message: enough to resubmit it through the device API. */
export function hubDeadLetter(functionName: string, message: BatchMessage, reason: string) {
  const { body } = message;
  const bytes = body instanceof Uint8Array;
  return {
    function: functionName,
    reason,
    source: {
      partitionId: message.partitionId,
      sequenceNumber: message.sequenceNumber,
      enqueuedTime: message.enqueuedTime,
    },
    ...(message.deviceId ? { deviceId: message.deviceId } : {}),
    properties: message.properties,
    body: bytes
      ? Buffer.from(body).toString('base64')
      : typeof body === 'string'
        ? body
        : JSON.stringify(body),
    bodyEncoding: bytes ? ('base64' as const) : ('text' as const),
  };
}
