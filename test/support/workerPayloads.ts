import type { HubEvent, PartitionContext, queueTriggerMetadata } from '@fieldline/functions-host';

/**
 * An invocation request for an Event Hubs trigger with `cardinality: 'many'`, as the Functions host
 * sends it over the worker's RPC channel (the `InvocationRequest` of the Functions language worker
 * protocol): the batch in the trigger's input data, and trigger metadata as typed data with the
 * host's PascalCase keys (`SystemPropertiesArray`, `SequenceNumberArray`, `PartitionContext` ...).
 * JSON bodies arrive as one JSON array; a batch with non-JSON bodies as a string collection.
 */
export function hostEventHubRequest(
  triggerName: string,
  events: readonly HubEvent[],
  partition: PartitionContext,
  body: 'json' | 'collectionString',
) {
  const json = (value: unknown) => ({ json: JSON.stringify(value) });
  const bodies = events.map((event) => event.body);
  return {
    inputData: [
      {
        name: triggerName,
        data:
          body === 'json'
            ? json(bodies)
            : {
                collectionString: {
                  string: bodies.map((b) => (typeof b === 'string' ? b : JSON.stringify(b))),
                },
              },
      },
    ],
    triggerMetadata: {
      PartitionContext: json({
        ConsumerGroup: partition.consumerGroup,
        EventHubName: partition.eventHubName,
        FullyQualifiedNamespace: partition.fullyQualifiedNamespace,
        PartitionId: partition.partitionId,
      }),
      PartitionKeyArray: json(events.map(() => null)),
      OffsetArray: json(events.map((e) => e.offset)),
      SequenceNumberArray: json(events.map((e) => e.sequenceNumber)),
      EnqueuedTimeUtcArray: json(events.map((e) => e.enqueuedTime.toISOString())),
      PropertiesArray: json(events.map((e) => ({ ...e.properties }))),
      SystemPropertiesArray: json(
        events.map((e) => ({
          ...e.systemProperties,
          'x-opt-sequence-number': e.sequenceNumber,
          'x-opt-offset': e.offset,
          'x-opt-enqueued-time': e.enqueuedTime.toISOString(),
          SequenceNumber: e.sequenceNumber,
          Offset: e.offset,
          PartitionKey: null,
          EnqueuedTimeUtc: e.enqueuedTime.toISOString(),
        })),
      ),
    },
  };
}

/** An HTTP invocation request: `RpcHttp` typed data in the trigger's input. */
export function hostHttpRequest(
  triggerName: string,
  request: {
    method: string;
    url: string;
    params?: Record<string, string>;
    body?: string;
    headers?: Record<string, string>;
  },
) {
  const url = new URL(request.url);
  return {
    inputData: [
      {
        name: triggerName,
        data: {
          http: {
            method: request.method,
            url: request.url,
            headers: { ...request.headers },
            query: Object.fromEntries(url.searchParams),
            params: { ...request.params },
            ...(request.body === undefined ? {} : { body: { string: request.body } }),
          },
        },
      },
    ],
    triggerMetadata: {},
  };
}

/**
 * A storage-queue invocation request: the message in the trigger's input (JSON messages as JSON
 * typed data), and the host's metadata (QueueTrigger, DequeueCount, Id, ...) as typed data.
 */
export function hostQueueRequest(
  triggerName: string,
  message: Parameters<typeof queueTriggerMetadata>[0],
) {
  const json = (value: unknown) => ({ json: JSON.stringify(value) });
  return {
    inputData: [{ name: triggerName, data: { json: message.text } }],
    triggerMetadata: {
      QueueTrigger: { string: message.text },
      Id: { string: message.messageId },
      DequeueCount: json(message.dequeueCount),
      InsertionTime: json(message.insertedOn.toISOString()),
      ExpirationTime: json(message.expiresOn.toISOString()),
      NextVisibleTime: json(message.nextVisibleOn.toISOString()),
      PopReceipt: { string: message.popReceipt },
    },
  };
}
