/** One hub message as the pull feed returns it. */
export interface FeedEvent {
  readonly body: unknown;
  readonly deviceId: string | null;
  readonly enqueuedTime: string;
  readonly sequenceNumber: number;
  readonly partitionId: string;
  readonly properties: Readonly<Record<string, unknown>>;
}

/** Last sequence number delivered, per partition (-1: nothing yet). */
export type FeedPositions = Readonly<Record<string, number>>;

/**
 * The `feed` consumer group's reader, behind one interface: `@azure/event-hubs` in Azure, the IoT
 * Hub stand-in's log locally. `read` returns once `max` events are gathered or `waitMs` has passed.
 */
export interface EventFeedSource {
  partitionIds(): Promise<string[]>;
  read(positions: FeedPositions, max: number, waitMs: number): Promise<FeedEvent[]>;
}
