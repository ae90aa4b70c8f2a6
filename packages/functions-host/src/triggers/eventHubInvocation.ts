/** One event as it sits in an Event Hubs partition (or the IoT Hub built-in endpoint). */
export interface HubEvent {
  readonly body: unknown;
  readonly sequenceNumber: number;
  readonly offset: string;
  readonly enqueuedTime: Date;
  /** Application properties (`iothub-app-*` headers on the HTTPS device API). */
  readonly properties?: Readonly<Record<string, unknown>>;
  /** System properties the hub stamps, e.g. `iothub-connection-device-id`. */
  readonly systemProperties?: Readonly<Record<string, unknown>>;
}

export interface PartitionContext {
  readonly consumerGroup: string;
  readonly eventHubName: string;
  readonly fullyQualifiedNamespace: string;
  readonly partitionId: string;
}

/**
 * The handler input and `triggerMetadata` an Event Hubs trigger with `cardinality: 'many'` receives:
 * one array entry per event, plus the partition context. This is the shape after `@azure/functions`
 * has converted the host's RPC data, which lower-cases the first letter of every key
 * (`SequenceNumber` arrives as `sequenceNumber`); test/fidelity checks the two stay equal.
 */
export function toEventHubInvocation(
  events: readonly HubEvent[],
  partitionContext: PartitionContext,
): { messages: unknown[]; triggerMetadata: Record<string, unknown> } {
  return {
    messages: events.map((event) => event.body),
    triggerMetadata: {
      partitionContext: { ...partitionContext },
      partitionKeyArray: events.map(() => null),
      offsetArray: events.map((event) => event.offset),
      sequenceNumberArray: events.map((event) => event.sequenceNumber),
      enqueuedTimeUtcArray: events.map((event) => event.enqueuedTime.toISOString()),
      propertiesArray: events.map((event) => ({ ...event.properties })),
      systemPropertiesArray: events.map((event) => ({
        ...event.systemProperties,
        'x-opt-sequence-number': event.sequenceNumber,
        'x-opt-offset': event.offset,
        'x-opt-enqueued-time': event.enqueuedTime.toISOString(),
        sequenceNumber: event.sequenceNumber,
        offset: event.offset,
        partitionKey: null,
        enqueuedTimeUtc: event.enqueuedTime.toISOString(),
      })),
    },
  };
}
