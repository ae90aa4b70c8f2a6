import type { EventFeedSource, FeedEvent } from './eventFeed';

/**
 * The pull feed in Azure: the IoT Hub built-in endpoint read with `@azure/event-hubs` on the `feed`
 * consumer group, from each partition's position, for one request at a time. The SDK is imported
 * only when the feed is first used.
 */
export function createEventHubsFeed(options: {
  connectionString: string;
  eventHubName: string;
  consumerGroup: string;
}): EventFeedSource {
  // Types flow from the dynamic import, which resolves the SDK's ES module build.
  const open = () =>
    import('@azure/event-hubs').then(
      ({ EventHubConsumerClient }) =>
        new EventHubConsumerClient(
          options.consumerGroup,
          options.connectionString,
          options.eventHubName,
        ),
    );
  let client: ReturnType<typeof open> | undefined;
  const connect = () => {
    client ??= open();
    return client;
  };
  return {
    async partitionIds() {
      return (await connect()).getPartitionIds();
    },
    async read(positions, max, waitMs) {
      const consumer = await connect();
      const partitions = await consumer.getPartitionIds();
      const events: FeedEvent[] = [];
      const subscriptions: ReturnType<typeof consumer.subscribe>[] = [];
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, waitMs);
        for (const partitionId of partitions) {
          const after = positions[partitionId] ?? -1;
          subscriptions.push(
            consumer.subscribe(
              partitionId,
              {
                processEvents: async (received) => {
                  for (const event of received) {
                    if (events.length >= max) break;
                    events.push(toFeedEvent(event, partitionId));
                  }
                  if (events.length >= max) {
                    clearTimeout(timer);
                    resolve();
                  }
                },
                processError: async () => undefined,
              },
              {
                startPosition:
                  after < 0
                    ? { sequenceNumber: 0, isInclusive: true }
                    : { sequenceNumber: after, isInclusive: false },
                maxBatchSize: max,
                maxWaitTimeInSeconds: Math.max(1, Math.ceil(waitMs / 1000)),
              },
            ),
          );
        }
      });
      await Promise.all(subscriptions.map((subscription) => subscription.close()));
      return events.slice(0, max);
    },
  };
}

interface ReceivedEvent {
  readonly body: unknown;
  readonly enqueuedTimeUtc: Date;
  readonly sequenceNumber: number;
  readonly properties?: Record<string, unknown>;
  readonly systemProperties?: Record<string, unknown>;
}

function toFeedEvent(event: ReceivedEvent, partitionId: string): FeedEvent {
  const deviceId = event.systemProperties?.['iothub-connection-device-id'];
  return {
    body: event.body,
    deviceId: typeof deviceId === 'string' ? deviceId : null,
    enqueuedTime: event.enqueuedTimeUtc.toISOString(),
    sequenceNumber: event.sequenceNumber,
    partitionId,
    properties: { ...event.properties },
  };
}
