import { decodeEventBody } from '@fieldline/functions-host';
import type { HubEventLog } from '@fieldline/iothub-emulator';
import type { EventFeedSource, FeedEvent } from '../functions/src/hosting';

/** The pull feed locally: the IoT Hub stand-in's log, behind the same interface as Event Hubs. */
export function createHubEventFeed(log: HubEventLog): EventFeedSource {
  const partitions = Array.from({ length: log.partitionCount }, (_, i) => String(i));
  const collect = (positions: Readonly<Record<string, number>>, max: number): FeedEvent[] => {
    const events: FeedEvent[] = [];
    for (const partitionId of partitions) {
      if (events.length >= max) break;
      for (const event of log.read(
        Number(partitionId),
        positions[partitionId] ?? -1,
        max - events.length,
      )) {
        const deviceId = event.systemProperties?.['iothub-connection-device-id'];
        events.push({
          body: decodeEventBody(event.body),
          deviceId: typeof deviceId === 'string' ? deviceId : null,
          enqueuedTime: event.enqueuedTime.toISOString(),
          sequenceNumber: event.sequenceNumber,
          partitionId,
          properties: { ...event.properties },
        });
      }
    }
    return events;
  };
  return {
    partitionIds: async () => partitions,
    async read(positions, max, waitMs) {
      const deadline = Date.now() + waitMs;
      let events = collect(positions, max);
      while (events.length < max && Date.now() < deadline) {
        const remaining = deadline - Date.now();
        await Promise.race(
          partitions.map((p) => log.waitForEvents(Number(p), positions[p] ?? -1, remaining)),
        );
        // Another wait is needed only if what arrived was already counted.
        const next = collect(positions, max);
        if (next.length === events.length)
          await new Promise((resolve) =>
            setTimeout(resolve, Math.min(20, Math.max(0, deadline - Date.now()))),
          );
        events = next;
      }
      return events;
    },
  };
}
